namespace FunnelStream.IntegrationTests;

/// <summary>
/// Secret Kafka client settings (SASL password, SSL key and keystore passwords) pass
/// through to librdkafka, and none of their values ever appears in the worker's output, with debug
/// logging and librdkafka's own configuration and security debug output on, from start to shutdown.
/// </summary>
public sealed class Security_KafkaSecretsNeverLogged
{
    [Fact]
    public async Task Run_SecretClientSettingsWithDebugLogging_NeverInOutput()
    {
        string[] secrets = ["Sup3r-s3cret-p4ssw0rd-9f1c", "k3y-p4ss-77ab-secret", "k3ystore-p4ss-3e9d-secret"];
        using var cluster = new WorkerProcessCluster();
        var set = new KnownEventSet(seed: 16, good: 200, retryRate: 0, badRate: 0.05, DateTimeOffset.UtcNow);
        await KnownEventSet.ProduceAsync(cluster.Broker.BootstrapServers, set.Records);

        (CliProcess worker, Uri uri) = cluster.StartWorker(new Dictionary<string, string>
        {
            // Passed to every client; without security.protocol=SASL_*/SSL librdkafka accepts and ignores them, so the worker runs.
            ["FunnelStream__Kafka__Client__sasl.username"] = "funnel",
            ["FunnelStream__Kafka__Client__sasl.password"] = secrets[0],
            ["FunnelStream__Kafka__Client__ssl.key.password"] = secrets[1],
            ["FunnelStream__Kafka__Client__ssl.keystore.password"] = secrets[2],
            ["FunnelStream__Kafka__Client__debug"] = "conf,security,generic",
            ["Logging__LogLevel__Default"] = "Trace",
        });
        using (worker)
        {
            ScrapedMetrics m = await cluster.SettleAsync(uri, set.ExpectedTotal, TimeSpan.FromSeconds(90));
            Assert.True(set.Differences(m).Count == 0, "not counted; the worker's log ends: " + worker.Stderr[Math.Max(0, worker.Stderr.Length - 3000)..]);
            Assert.Equal(0, worker.Terminate(TimeSpan.FromSeconds(60)));
            // The debug output is there (so the check below looks at a verbose log), and the keys are named in it...
            Assert.Contains("librdkafka", worker.Stderr, StringComparison.Ordinal);
            Assert.Contains("sasl.password", worker.Stderr, StringComparison.Ordinal);
            // ...but no secret value is.
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, worker.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, worker.Stdout, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Run_SecretSettingTheClientRejects_FailsWithoutPrintingTheValue()
    {
        // Debian's librdkafka is built without OIDC, so it refuses this key at start-up: the error names the key, never the value.
        const string Secret = "0auth-cl13nt-s3cret-c0de";
        using var cluster = new WorkerProcessCluster();
        (int exit, string stdout, string stderr) = CliProcess.Run(
            ["run", "--bootstrap-servers", cluster.Broker.BootstrapServers, "--listen", $"http://127.0.0.1:{FreePort.Next()}"],
            new Dictionary<string, string>
            {
                ["FunnelStream__Kafka__GroupId"] = cluster.GroupId,
                ["FunnelStream__Kafka__Client__sasl.oauthbearer.client.secret"] = Secret,
                ["Logging__LogLevel__Default"] = "Trace",
            },
            TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exit);
        Assert.Contains("sasl.oauthbearer.client.secret", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, stdout, StringComparison.Ordinal);
    }
}
