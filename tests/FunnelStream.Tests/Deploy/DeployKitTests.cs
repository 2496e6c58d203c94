using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunnelStream.Tests.Deploy;

// Checks of the deployment kit (Dockerfile, .dockerignore, deploy/): what can be checked without a
// container engine or a cluster.
//
// - YAML is parsed by PyYAML (Debian's `python3-yaml`, for /usr/bin/python3), which also turns each
//   file into JSON for the structural checks below.
// - deploy/prometheus/prometheus.yml is checked by the real `promtool check config` of Debian's
//   `prometheus` package, which also checks every rule file its `rule_files` globs match.
// - The Dockerfile is read as text (instructions, stages, heredocs); it is not built here.
//
// Both tools are required: ./test.sh installs them (scripts/setup.sh). A missing tool fails the test
// with the Debian package to install; it never skips.
public class DeployKitTests
{
    private static readonly string[] InputTopics = ["funnel.clicks", "funnel.leads", "funnel.deals"];
    private static readonly string[] OtherTopics = ["funnel.dlq", "funnel.kpis", "funnel.alerts", "funnel.state"];

    // ---------------------------------------------------------------------------------------------
    // YAML and Prometheus

    [Fact]
    public async Task DeployYaml_EveryFile_ParsesWithPyYaml()
    {
        string deploy = Path.Combine(DeployKit.Root, "deploy");
        string[] files = Directory.EnumerateFiles(deploy, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] expected =
        [
            "deploy/docker-compose.yml", "deploy/prometheus/prometheus.yml", "deploy/kubernetes/configmap.yaml",
            "deploy/kubernetes/statefulset.yaml", "deploy/kubernetes/service.yaml", "deploy/kubernetes/podmonitor.yaml",
        ];
        string[] relative = files.Select(DeployKit.Relative).ToArray();
        Assert.All(expected, e => Assert.Contains(e, relative));

        var failures = new List<string>();
        foreach (string file in files)
        {
            try
            {
                JsonElement[] documents = await DeployKit.YamlAsync(file);
                if (documents.All(d => d.ValueKind == JsonValueKind.Null))
                    failures.Add($"{DeployKit.Relative(file)}: no document");
            }
            catch (Xunit.Sdk.XunitException e) when (!e.Message.Contains("apt-get install", StringComparison.Ordinal))
            {
                failures.Add(e.Message);
            }
        }
        Assert.True(failures.Count == 0, "YAML that PyYAML refuses:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task PrometheusConfig_Promtool_AcceptsConfigAndRules()
    {
        string config = Path.Combine(DeployKit.Root, "deploy", "prometheus", "prometheus.yml");

        DeployKit.ToolResult result = await DeployKit.PromtoolAsync("check", "config", config);

        Assert.True(result.ExitCode == 0, $"promtool check config refused {DeployKit.Relative(config)}:\n{result}");
    }

    [Fact]
    public async Task PrometheusConfig_RulesGlob_LoadsRuleFilesBesideTheConfig()
    {
        // promtool accepts a glob that matches nothing, so prove the glob is wired: a copy of the
        // config with one rule file beside it must find and check it, and refuse a broken one.
        string dir = Directory.CreateTempSubdirectory("funnelstream-prom-").FullName;
        try
        {
            string config = Path.Combine(dir, "prometheus.yml");
            File.Copy(Path.Combine(DeployKit.Root, "deploy", "prometheus", "prometheus.yml"), config);
            Directory.CreateDirectory(Path.Combine(dir, "rules"));
            File.WriteAllText(Path.Combine(dir, "rules", "probe.yml"),
                "groups:\n  - name: probe\n    rules:\n      - alert: FunnelStreamDown\n        expr: up{job=\"funnelstream\"} == 0\n");

            DeployKit.ToolResult good = await DeployKit.PromtoolAsync("check", "config", config);
            Assert.True(good.ExitCode == 0, $"promtool refused the config with a valid rule file:\n{good}");
            Assert.Contains("1 rule files found", good.Stdout + good.Stderr, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "rules", "broken.yml"),
                "groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: up ==\n");
            DeployKit.ToolResult bad = await DeployKit.PromtoolAsync("check", "config", config);
            Assert.True(bad.ExitCode != 0, $"promtool accepted a broken rule file under rules/:\n{bad}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PrometheusConfig_Scrape_WorkerEveryFiveSecondsAndRulesGlob()
    {
        JsonElement config = (await DeployKit.YamlAsync(Path.Combine(DeployKit.Root, "deploy", "prometheus", "prometheus.yml"))).Single();

        Assert.Contains("rules/*.yml", DeployKit.Strings(config.GetProperty("rule_files")));
        JsonElement job = config.GetProperty("scrape_configs").EnumerateArray()
            .Single(j => j.GetProperty("static_configs").EnumerateArray()
                .Any(s => DeployKit.Strings(s.GetProperty("targets")).Contains("funnelstream:9464")));
        Assert.Equal("5s", job.GetProperty("scrape_interval").GetString());
        if (job.TryGetProperty("metrics_path", out JsonElement path))
            Assert.Equal("/metrics", path.GetString());
    }

    // ---------------------------------------------------------------------------------------------
    // docker compose

    [Fact]
    public async Task Compose_Services_KafkaPrometheusGrafanaWorkerAndGenerator()
    {
        JsonElement services = (await Compose()).GetProperty("services");

        string[] names = services.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.All(new[] { "kafka", "prometheus", "grafana", "funnelstream", "generator" }, s => Assert.Contains(s, names));
        foreach (JsonProperty service in services.EnumerateObject())
            Assert.True(service.Value.TryGetProperty("image", out _) || service.Value.TryGetProperty("build", out _), $"service {service.Name} has neither image nor build");
    }

    [Fact]
    public async Task Compose_Kafka_KraftSingleNodeReachableAsKafka9092()
    {
        JsonElement kafka = (await Compose()).GetProperty("services").GetProperty("kafka");

        Assert.StartsWith("apache/kafka:", kafka.GetProperty("image").GetString(), StringComparison.Ordinal);
        Dictionary<string, string> env = DeployKit.Environment(kafka);
        Assert.Contains("controller", env["KAFKA_PROCESS_ROLES"], StringComparison.Ordinal);
        Assert.Contains("broker", env["KAFKA_PROCESS_ROLES"], StringComparison.Ordinal);
        Assert.Contains("PLAINTEXT://kafka:9092", env["KAFKA_ADVERTISED_LISTENERS"], StringComparison.Ordinal);
        Assert.Equal("1", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
        Assert.True(kafka.TryGetProperty("healthcheck", out _), "kafka has no healthcheck for the services that wait on it");
    }

    [Fact]
    public async Task Compose_TopicInit_CreatesEveryTopicInputsWithThreePartitions()
    {
        JsonElement services = (await Compose()).GetProperty("services");
        JsonProperty init = services.EnumerateObject()
            .Single(s => DeployKit.CommandText(s.Value).Contains("kafka-topics.sh", StringComparison.Ordinal));
        string script = DeployKit.CommandText(init.Value);

        foreach (string topic in InputTopics)
            Assert.Matches(new Regex($@"{Regex.Escape(topic)}""?\s+3\b"), script);
        foreach (string topic in OtherTopics)
            Assert.Contains(topic, script, StringComparison.Ordinal);
        Assert.Contains("--if-not-exists", script, StringComparison.Ordinal);
        Assert.Equal("service_healthy", init.Value.GetProperty("depends_on").GetProperty("kafka").GetProperty("condition").GetString());
    }

    [Fact]
    public async Task Compose_Worker_RunsAgainstKafkaOnMetricsPortAfterTopics()
    {
        JsonElement services = (await Compose()).GetProperty("services");
        JsonElement worker = services.GetProperty("funnelstream");

        string[] command = DeployKit.Strings(worker.GetProperty("command"));
        Assert.Equal("run", command[0]);
        Assert.Equal("kafka:9092", command[Array.IndexOf(command, "--bootstrap-servers") + 1]);
        Assert.Contains(DeployKit.Strings(worker.GetProperty("ports")), p => p.EndsWith("9464:9464", StringComparison.Ordinal));
        if (DeployKit.Environment(worker).TryGetValue("FunnelStream__Web__Listen", out string? listen))
            Assert.Equal("http://0.0.0.0:9464", listen);
        string topicsInit = services.EnumerateObject()
            .Single(s => DeployKit.CommandText(s.Value).Contains("kafka-topics.sh", StringComparison.Ordinal)).Name;
        Assert.Equal("service_completed_successfully", worker.GetProperty("depends_on").GetProperty(topicsInit).GetProperty("condition").GetString());
        string health = string.Join(" ", DeployKit.Strings(worker.GetProperty("healthcheck").GetProperty("test")));
        Assert.Contains("/healthz/ready", health, StringComparison.Ordinal);
        Assert.Contains("9464", health, StringComparison.Ordinal);

        // Built from the root Dockerfile.
        JsonElement build = worker.GetProperty("build");
        string context = Path.GetFullPath(Path.Combine(DeployKit.Root, "deploy", build.GetProperty("context").GetString()!));
        string dockerfile = build.TryGetProperty("dockerfile", out JsonElement d) ? d.GetString()! : "Dockerfile";
        Assert.Equal(DeployKit.Root.TrimEnd('/'), context.TrimEnd('/'));
        Assert.True(File.Exists(Path.Combine(context, dockerfile)), $"no {dockerfile} in the build context {context}");
    }

    [Fact]
    public async Task Compose_Generator_GeneratesIntoKafkaWithOptionsTheCliHas()
    {
        JsonElement services = (await Compose()).GetProperty("services");
        JsonElement generator = services.GetProperty("generator");
        JsonElement worker = services.GetProperty("funnelstream");

        string[] command = DeployKit.Strings(generator.GetProperty("command"));
        Assert.Equal("generate", command[0]);
        Assert.Equal("kafka:9092", command[Array.IndexOf(command, "--bootstrap-servers") + 1]);
        Assert.Equal(worker.GetProperty("image").GetString(), generator.GetProperty("image").GetString());

        // Every option the stack passes exists in the CLI's source (catches a renamed option).
        string cli = Path.Combine(DeployKit.Root, "src", "FunnelStream", "Cli");
        string program = File.ReadAllText(Path.Combine(DeployKit.Root, "src", "FunnelStream", "Program.cs"));
        var sources = new Dictionary<string, string>
        {
            ["generate"] = File.ReadAllText(Path.Combine(cli, "GenerateCommand.cs")) + program,
            ["run"] = File.ReadAllText(Path.Combine(cli, "RunCommand.cs")) + program,
        };
        foreach (string[] c in new[] { command, DeployKit.Strings(worker.GetProperty("command")) })
        {
            foreach (string option in c.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
                Assert.True(sources[c[0]].Contains($"\"{option}\"", StringComparison.Ordinal), $"'{c[0]} {option}' in deploy/docker-compose.yml is not an option of src/FunnelStream/Cli");
        }
    }

    [Fact]
    public async Task Compose_PrometheusAndGrafana_MountTheirDeployFolders()
    {
        JsonElement services = (await Compose()).GetProperty("services");

        string[] prometheusVolumes = DeployKit.Strings(services.GetProperty("prometheus").GetProperty("volumes"));
        string prometheusMount = Assert.Single(prometheusVolumes, v => v.StartsWith("./prometheus:", StringComparison.Ordinal));
        string target = prometheusMount.Split(':')[1];
        Assert.Contains($"--config.file={target}/prometheus.yml", DeployKit.Strings(services.GetProperty("prometheus").GetProperty("command")));
        Assert.Contains(services.GetProperty("prometheus").GetProperty("ports").EnumerateArray(), p => p.GetString()!.EndsWith(":9090", StringComparison.Ordinal));

        string[] grafanaVolumes = DeployKit.Strings(services.GetProperty("grafana").GetProperty("volumes"));
        Assert.Contains(grafanaVolumes, v => v.StartsWith("./grafana/provisioning:/etc/grafana/provisioning", StringComparison.Ordinal));
        Assert.Contains(grafanaVolumes, v => v.StartsWith("./grafana/dashboards:", StringComparison.Ordinal));
        Assert.Contains(services.GetProperty("grafana").GetProperty("ports").EnumerateArray(), p => p.GetString()!.EndsWith(":3000", StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------------------------------------
    // Kubernetes

    [Fact]
    public async Task KubernetesDeployment_Probes_OnHealthPathsOfMetricsPort9464()
    {
        JsonElement deployment = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
        JsonElement container = pod.GetProperty("containers").EnumerateArray().Single();

        JsonElement metrics = container.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("containerPort").GetInt32() == 9464);
        Assert.Equal("metrics", metrics.GetProperty("name").GetString());
        foreach ((string probe, string path) in new[] { ("livenessProbe", "/healthz/live"), ("readinessProbe", "/healthz/ready") })
        {
            JsonElement get = container.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal(path, get.GetProperty("path").GetString());
            Assert.Equal(9464, ResolvePort(container, get.GetProperty("port")));
        }
    }

    [Fact]
    public async Task KubernetesDeployment_Pod_ReplicasGraceResourcesAndLockedDown()
    {
        JsonElement deployment = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement spec = deployment.GetProperty("spec");
        JsonElement pod = spec.GetProperty("template").GetProperty("spec");
        JsonElement container = pod.GetProperty("containers").EnumerateArray().Single();

        Assert.True(spec.GetProperty("replicas").GetInt32() >= 2, "fewer than 2 replicas");
        Assert.True(pod.GetProperty("terminationGracePeriodSeconds").GetInt32() >= 30, "shutdown commits offsets: terminationGracePeriodSeconds must be >= 30");
        Assert.Equal("run", DeployKit.Strings(container.GetProperty("args"))[0]);
        foreach (string kind in new[] { "requests", "limits" })
        {
            JsonElement r = container.GetProperty("resources").GetProperty(kind);
            Assert.True(r.TryGetProperty("cpu", out _) && r.TryGetProperty("memory", out _), $"resources.{kind} lacks cpu or memory");
        }
        JsonElement security = container.GetProperty("securityContext");
        Assert.True(security.GetProperty("readOnlyRootFilesystem").GetBoolean());
        Assert.False(security.GetProperty("allowPrivilegeEscalation").GetBoolean());
        bool nonRoot = (security.TryGetProperty("runAsNonRoot", out JsonElement c) && c.GetBoolean())
            || (pod.TryGetProperty("securityContext", out JsonElement ps) && ps.TryGetProperty("runAsNonRoot", out JsonElement p) && p.GetBoolean());
        Assert.True(nonRoot, "runAsNonRoot is not set");

        JsonElement annotations = spec.GetProperty("template").GetProperty("metadata").GetProperty("annotations");
        Assert.Equal("true", annotations.GetProperty("prometheus.io/scrape").GetString());
        Assert.Equal("9464", annotations.GetProperty("prometheus.io/port").GetString());
    }

    [Fact]
    public async Task KubernetesStatefulSet_InstanceId_IsThePodName()
    {
        JsonElement workers = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement container = workers.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray().Single();
        JsonElement instance = container.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "FunnelStream__State__InstanceId");
        // Stable across restarts (funnelstream-0, -1, ...) and unique per replica: the checkpoint key (docs/reliability.md).
        Assert.Equal("metadata.name", instance.GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
    }

    [Fact]
    public async Task KubernetesDeployment_ConfigReferences_ResolveToConfigMapKeysAndValidJson()
    {
        JsonElement deployment = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement configMap = await Kubernetes("configmap.yaml", "ConfigMap");
        JsonElement pod = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec");
        JsonElement container = pod.GetProperty("containers").EnumerateArray().Single();
        string configMapName = configMap.GetProperty("metadata").GetProperty("name").GetString()!;
        JsonElement data = configMap.GetProperty("data");

        // Environment variables from the ConfigMap name existing keys; the SASL Secret is optional.
        foreach (JsonElement env in container.GetProperty("env").EnumerateArray())
        {
            if (!env.TryGetProperty("valueFrom", out JsonElement from))
                continue;
            if (from.TryGetProperty("configMapKeyRef", out JsonElement cm))
            {
                Assert.Equal(configMapName, cm.GetProperty("name").GetString());
                Assert.True(data.TryGetProperty(cm.GetProperty("key").GetString()!, out _), $"ConfigMap has no key {cm.GetProperty("key")}");
            }
            if (from.TryGetProperty("secretKeyRef", out JsonElement secret))
                Assert.True(secret.GetProperty("optional").GetBoolean(), $"{env.GetProperty("name")} requires a Secret; it is an optional example");
        }
        string[] names = container.GetProperty("env").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
        Assert.Contains("FunnelStream__Kafka__Client__sasl.password", names);

        // --config FILE points into the ConfigMap volume, at a key holding JSON of the settings' shape.
        string[] args = DeployKit.Strings(container.GetProperty("args"));
        int at = Array.IndexOf(args, "--config");
        Assert.True(at > 0, "the worker is not given --config");
        string file = args[at + 1];
        JsonElement mount = container.GetProperty("volumeMounts").EnumerateArray()
            .Single(m => file.StartsWith(m.GetProperty("mountPath").GetString()!.TrimEnd('/') + "/", StringComparison.Ordinal));
        JsonElement volume = pod.GetProperty("volumes").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == mount.GetProperty("name").GetString());
        Assert.Equal(configMapName, volume.GetProperty("configMap").GetProperty("name").GetString());
        string relative = file[(mount.GetProperty("mountPath").GetString()!.TrimEnd('/').Length + 1)..];
        string key = relative;
        if (volume.GetProperty("configMap").TryGetProperty("items", out JsonElement items))
            key = items.EnumerateArray().Single(i => i.GetProperty("path").GetString() == relative).GetProperty("key").GetString()!;
        using JsonDocument settings = JsonDocument.Parse(data.GetProperty(key).GetString()!);
        Assert.All(settings.RootElement.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "FunnelStream", "Logging" }));
        Assert.True(File.Exists(Path.Combine(DeployKit.Root, "src", "FunnelStream", "appsettings.json")));
    }

    [Fact]
    public async Task KubernetesService_Selector_SelectsDeploymentPodsOnPort9464()
    {
        JsonElement deployment = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement service = await Kubernetes("service.yaml", "Service");
        JsonElement template = deployment.GetProperty("spec").GetProperty("template");
        Dictionary<string, string> podLabels = DeployKit.Map(template.GetProperty("metadata").GetProperty("labels"));
        JsonElement container = template.GetProperty("spec").GetProperty("containers").EnumerateArray().Single();

        Dictionary<string, string> selector = DeployKit.Map(service.GetProperty("spec").GetProperty("selector"));
        Assert.NotEmpty(selector);
        Assert.All(selector, s => Assert.True(podLabels.TryGetValue(s.Key, out string? v) && v == s.Value, $"pod template lacks the label {s.Key}={s.Value}"));
        Assert.All(DeployKit.Map(deployment.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels")),
            s => Assert.True(podLabels.TryGetValue(s.Key, out string? v) && v == s.Value, $"Deployment selector {s.Key}={s.Value} does not match its pods"));
        JsonElement port = service.GetProperty("spec").GetProperty("ports").EnumerateArray().Single();
        Assert.Equal(9464, port.GetProperty("port").GetInt32());
        Assert.Equal(9464, ResolvePort(container, port.TryGetProperty("targetPort", out JsonElement t) ? t : port.GetProperty("port")));
    }

    [Fact]
    public async Task KubernetesPodMonitor_Endpoints_ScrapeMetricsPortOfDeploymentPods()
    {
        JsonElement deployment = await Kubernetes("statefulset.yaml", "StatefulSet");
        JsonElement monitor = await Kubernetes("podmonitor.yaml", "PodMonitor");
        Dictionary<string, string> podLabels = DeployKit.Map(deployment.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("labels"));

        Assert.Equal("monitoring.coreos.com/v1", monitor.GetProperty("apiVersion").GetString());
        Dictionary<string, string> selector = DeployKit.Map(monitor.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels"));
        Assert.NotEmpty(selector);
        Assert.All(selector, s => Assert.True(podLabels.TryGetValue(s.Key, out string? v) && v == s.Value, $"pod template lacks the label {s.Key}={s.Value}"));
        JsonElement endpoint = monitor.GetProperty("spec").GetProperty("podMetricsEndpoints").EnumerateArray().Single();
        Assert.Equal("metrics", endpoint.GetProperty("port").GetString());
        if (endpoint.TryGetProperty("path", out JsonElement path))
            Assert.Equal("/metrics", path.GetString());
    }

    [Fact]
    public async Task KubernetesManifests_Namespace_SameForEveryResource()
    {
        string dir = Path.Combine(DeployKit.Root, "deploy", "kubernetes");
        var namespaces = new HashSet<string>();
        string? declared = null;
        foreach (string file in Directory.EnumerateFiles(dir, "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (JsonElement doc in (await DeployKit.YamlAsync(file)).Where(d => d.ValueKind == JsonValueKind.Object))
            {
                Assert.True(doc.TryGetProperty("apiVersion", out _) && doc.TryGetProperty("kind", out _), $"{DeployKit.Relative(file)}: a document without apiVersion/kind breaks `kubectl apply -f deploy/kubernetes/`");
                JsonElement metadata = doc.GetProperty("metadata");
                if (doc.GetProperty("kind").GetString() == "Namespace")
                    declared = metadata.GetProperty("name").GetString();
                else
                    namespaces.Add(metadata.TryGetProperty("namespace", out JsonElement ns) ? ns.GetString()! : "(none)");
            }
        }
        string only = Assert.Single(namespaces);
        if (declared is not null)
            Assert.Equal(declared, only);
    }

    // ---------------------------------------------------------------------------------------------
    // Dockerfile and .dockerignore

    [Fact]
    public void Dockerfile_Stages_SdkBuildThenDebianBookwormRuntimeWithLibrdkafka()
    {
        DeployKit.Dockerfile dockerfile = DeployKit.Dockerfile.Load();

        Assert.True(dockerfile.Stages.Count >= 2, $"{dockerfile.Stages.Count} FROM stage(s); a multi-stage build has at least 2");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", dockerfile.Stages[0].Image, StringComparison.Ordinal);
        DeployKit.Stage final = dockerfile.Stages[^1];
        Assert.Contains("bookworm", final.Image, StringComparison.Ordinal);
        string install = string.Join("\n", final.Run.Where(r => r.Contains("apt-get install", StringComparison.Ordinal)));
        Assert.Matches(@"\blibrdkafka1\b", install);
        Assert.True(Regex.IsMatch(install, @"\blibrdkafka-dev\b") || final.Run.Any(r => Regex.IsMatch(r, @"ln\s+-s\S*\s+\S*librdkafka\.so\.1")),
            "the runtime stage provides no unversioned librdkafka.so (librdkafka-dev or a symlink)");
        Assert.Contains("--no-install-recommends", install, StringComparison.Ordinal);
        // The .NET runtime of the final stage comes from the official ASP.NET Core image.
        Assert.Contains(dockerfile.Stages, s => s.Image.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_FinalStage_NonRootListensOnAllInterfacesAndRunsWorker()
    {
        DeployKit.Stage final = DeployKit.Dockerfile.Load().Stages[^1];

        string user = final.Instructions.Last(i => i.Keyword == "USER").Arguments.Split(':')[0];
        Assert.DoesNotContain(user, new[] { "root", "0" });
        Assert.Contains(final.Instructions, i => i.Keyword == "EXPOSE" && i.Arguments.Split(' ').Contains("9464"));
        Assert.Contains(final.Instructions, i => i.Keyword == "ENV" && Regex.IsMatch(i.Arguments, @"(^|\s)FunnelStream__Web__Listen=http://0\.0\.0\.0:9464(\s|$)"));
        Assert.Equal("[\"dotnet\", \"funnelstream.dll\"]", final.Instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Equal("[\"run\"]", final.Instructions.Last(i => i.Keyword == "CMD").Arguments);
    }

    [Fact]
    public void Dockerfile_Publish_TargetsTheRealProjectAndAssembly()
    {
        DeployKit.Dockerfile dockerfile = DeployKit.Dockerfile.Load();
        string publish = dockerfile.Stages[0].Run.Single(r => r.Contains("dotnet publish", StringComparison.Ordinal));

        string project = Regex.Match(publish, @"dotnet publish\s+(\S+\.csproj)").Groups[1].Value;
        Assert.Equal("src/FunnelStream/FunnelStream.csproj", project);
        Assert.True(File.Exists(Path.Combine(DeployKit.Root, project)), $"{project} does not exist");
        Assert.Contains("-c Release", publish, StringComparison.Ordinal);
        foreach (Match m in Regex.Matches(dockerfile.Text, @"src/[\w./-]+\.csproj"))
            Assert.True(File.Exists(Path.Combine(DeployKit.Root, m.Value)), $"the Dockerfile names {m.Value}, which does not exist");

        // ENTRYPOINT runs funnelstream.dll: the project's assembly name.
        string csproj = File.ReadAllText(Path.Combine(DeployKit.Root, project));
        Assert.Contains("<AssemblyName>funnelstream</AssemblyName>", csproj, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnore_Context_KeepsWhatTheBuildCopiesAndDropsBuildOutput()
    {
        var ignore = DeployKit.DockerIgnore.Load();

        string[] kept =
        [
            "global.json", "Directory.Build.props", "Directory.Packages.props",
            "src/FunnelStream/FunnelStream.csproj", "src/FunnelStream/Program.cs", "src/FunnelStream/appsettings.json",
            "src/FunnelStream.Kafka/FunnelStream.Kafka.csproj",
        ];
        string[] dropped =
        [
            "src/FunnelStream/bin/Release/net10.0/funnelstream.dll", "src/FunnelStream/obj/project.assets.json",
            ".git/HEAD", "tests/FunnelStream.Tests/FunnelStream.Tests.csproj", ".nuget-local/librdkafka.redist.1.9.2.nupkg",
            "out/app/funnelstream.dll",
        ];
        Assert.All(kept, p => Assert.False(ignore.Excludes(p), $".dockerignore drops {p}, which the image build needs"));
        Assert.All(dropped, p => Assert.True(ignore.Excludes(p), $".dockerignore lets {p} into the build context"));

        // Every file the build stage copies from the context is let in.
        foreach (DeployKit.Instruction copy in DeployKit.Dockerfile.Load().Stages.SelectMany(s => s.Instructions)
                     .Where(i => i.Keyword is "COPY" or "ADD" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal) && !i.Arguments.StartsWith("<<", StringComparison.Ordinal)))
        {
            string[] parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
            foreach (string source in parts[..^1])
            {
                string path = source.TrimEnd('/');
                Assert.True(File.Exists(Path.Combine(DeployKit.Root, path)) || Directory.Exists(Path.Combine(DeployKit.Root, path)), $"COPY {source}: not in the repo");
                Assert.False(ignore.Excludes(path), $"COPY {source}: excluded by .dockerignore");
            }
        }
    }

    private static async Task<JsonElement> Compose() =>
        (await DeployKit.YamlAsync(Path.Combine(DeployKit.Root, "deploy", "docker-compose.yml"))).Single();

    private static async Task<JsonElement> Kubernetes(string file, string kind) =>
        (await DeployKit.YamlAsync(Path.Combine(DeployKit.Root, "deploy", "kubernetes", file)))
        .Single(d => d.ValueKind == JsonValueKind.Object && d.GetProperty("kind").GetString() == kind);

    /// <summary>A probe's or Service's port: a number, or the name of one of the container's ports.</summary>
    private static int ResolvePort(JsonElement container, JsonElement port) =>
        port.ValueKind == JsonValueKind.Number
            ? port.GetInt32()
            : container.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == port.GetString()).GetProperty("containerPort").GetInt32();
}

/// <summary>The repo, PyYAML, promtool and a reader of the Dockerfile, for <see cref="DeployKitTests"/>.</summary>
internal static class DeployKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Dictionary<string, Task<JsonElement[]>> YamlCache = [];
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    // Prints the documents of a YAML file as one JSON array: yaml.safe_load_all, plus a refusal of
    // duplicate keys in a mapping (PyYAML keeps the last one silently; docker compose and kubectl
    // refuse them). Exit 3 when PyYAML is missing, 1 with the error and its position when parsing fails.
    private const string YamlToJson = """
        import json, sys
        try:
            import yaml
        except ImportError as e:
            print("MISSING: " + str(e), file=sys.stderr)
            sys.exit(3)
        class Loader(yaml.SafeLoader):
            pass
        def mapping(loader, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, "duplicate key %r" % (key,), key_node.start_mark)
            return yaml.SafeLoader.construct_mapping(loader, node, deep)
        Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
        try:
            with open(sys.argv[1], encoding="utf-8") as f:
                documents = list(yaml.load_all(f, Loader=Loader))
        except yaml.YAMLError as e:
            print(e, file=sys.stderr)
            sys.exit(1)
        json.dump(documents, sys.stdout, default=str)
        """;

    public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    /// <summary>The repository: the folder holding FunnelStream.sln.</summary>
    public static string Root => RootLazy.Value;

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The documents of a YAML file, parsed by PyYAML (safe_load_all) and handed over as JSON.</summary>
    public static Task<JsonElement[]> YamlAsync(string path)
    {
        lock (YamlCache)
        {
            if (!YamlCache.TryGetValue(path, out Task<JsonElement[]>? task))
                YamlCache[path] = task = ParseYamlAsync(path);
            return task;
        }
    }

    private static async Task<JsonElement[]> ParseYamlAsync(string path)
    {
        const string python = "/usr/bin/python3";
        const string install = "apt-get install -y python3-yaml (Debian's PyYAML for /usr/bin/python3; ./test.sh installs it)";
        if (!File.Exists(python))
            throw new Xunit.Sdk.XunitException($"{python} is missing: {install}.");
        ToolResult result = await RunAsync(python, ["-c", YamlToJson, path]);
        if (result.ExitCode == 3 && result.Stderr.Contains("MISSING:", StringComparison.Ordinal))
            throw new Xunit.Sdk.XunitException($"PyYAML is not installed: {install}.\n{result.Stderr}");
        if (result.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"PyYAML refused {Relative(path)}:\n{result.Stderr}");
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static async Task<ToolResult> PromtoolAsync(params string[] arguments)
    {
        string promtool = FindOnPath("promtool")
            ?? throw new Xunit.Sdk.XunitException(
                "promtool is not installed: it comes with Debian's 'prometheus' package (apt-get install -y prometheus; ./test.sh installs it).");
        return await RunAsync(promtool, arguments);
    }

    public static string[] Strings(JsonElement array) => array.ValueKind == JsonValueKind.Array
        ? array.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToArray()
        : [array.GetString()!];

    public static Dictionary<string, string> Map(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());

    /// <summary>A compose service's environment, from either the map or the list form.</summary>
    public static Dictionary<string, string> Environment(JsonElement service)
    {
        if (!service.TryGetProperty("environment", out JsonElement env))
            return [];
        if (env.ValueKind == JsonValueKind.Object)
            return Map(env);
        return env.EnumerateArray().Select(e => e.GetString()!.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
    }

    /// <summary>A compose service's entrypoint and command as one text (empty when it has neither).</summary>
    public static string CommandText(JsonElement service) => string.Join(" ",
        new[] { "entrypoint", "command" }.Where(k => service.TryGetProperty(k, out _)).SelectMany(k => Strings(service.GetProperty(k))));

    private static async Task<ToolResult> RunAsync(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new Xunit.Sdk.XunitException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(Timeout);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{fileName} did not finish within {Timeout}.");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    // Up from the test binaries; when they are built outside the repo (--artifacts-path), up from
    // this source file's compile-time path, then from the working directory.
    private static string FindRoot()
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(ThisFile()), Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FunnelStream.sln")))
                    return dir.FullName;
            }
        }
        throw new Xunit.Sdk.XunitException($"FunnelStream.sln not found above {AppContext.BaseDirectory}, {ThisFile()} or {Directory.GetCurrentDirectory()}.");
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    public sealed record Instruction(string Keyword, string Arguments, string? Heredoc);

    public sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        /// <summary>The commands of the stage's RUN instructions (with their heredoc bodies).</summary>
        public IEnumerable<string> Run => Instructions.Where(i => i.Keyword == "RUN").Select(i => i.Arguments + (i.Heredoc is null ? "" : "\n" + i.Heredoc));
    }

    /// <summary>
    /// The repo's Dockerfile as instructions: comments dropped, continuation lines joined, heredoc
    /// bodies attached, grouped by FROM, with the global ARG defaults substituted in FROM.
    /// </summary>
    public sealed class Dockerfile
    {
        private Dockerfile(string text, List<Stage> stages)
        {
            Text = text;
            Stages = stages;
        }

        public string Text { get; }

        public List<Stage> Stages { get; }

        public static Dockerfile Load()
        {
            string text = File.ReadAllText(Path.Combine(Root, "Dockerfile"));
            string[] lines = text.Replace("\r\n", "\n").Split('\n');
            var instructions = new List<Instruction>();
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                    continue;
                var logical = new StringBuilder();
                while (true)
                {
                    bool continued = line.EndsWith('\\');
                    logical.Append(continued ? line[..^1] : line).Append(' ');
                    if (!continued || i + 1 >= lines.Length)
                        break;
                    do
                    {
                        line = lines[++i].Trim();
                    }
                    while ((line.Length == 0 || line.StartsWith('#')) && i + 1 < lines.Length);
                }
                string joined = Regex.Replace(logical.ToString().Trim(), @"\s+", " ");
                int space = joined.IndexOf(' ');
                string keyword = (space < 0 ? joined : joined[..space]).ToUpperInvariant();
                string arguments = space < 0 ? "" : joined[(space + 1)..];
                string? heredoc = null;
                Match here = Regex.Match(arguments, @"<<-?(['""]?)(\w+)\1");
                if (here.Success && keyword is "RUN" or "COPY" or "ADD")
                {
                    string end = here.Groups[2].Value;
                    var body = new StringBuilder();
                    while (++i < lines.Length && lines[i].Trim() != end)
                        body.Append(lines[i]).Append('\n');
                    heredoc = body.ToString();
                }
                instructions.Add(new Instruction(keyword, arguments, heredoc));
            }

            var args = new Dictionary<string, string>();
            var stages = new List<Stage>();
            foreach (Instruction instruction in instructions)
            {
                if (instruction.Keyword == "FROM")
                {
                    string[] parts = instruction.Arguments.Split(' ').Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
                    string image = Regex.Replace(parts[0], @"\$\{?(\w+)\}?", m => args.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value);
                    string? name = parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                    stages.Add(new Stage(image, name, []));
                }
                else if (stages.Count == 0)
                {
                    if (instruction.Keyword == "ARG" && instruction.Arguments.Split('=', 2) is [string key, string value])
                        args[key.Trim()] = value.Trim();
                }
                else
                {
                    stages[^1].Instructions.Add(instruction);
                }
            }
            return new Dockerfile(text, stages);
        }
    }

    /// <summary>
    /// The repo's .dockerignore, matched as Docker does (moby/patternmatcher): patterns in order, the
    /// last one that matches a path or one of its parent folders decides, '!' lets back in, '*' and
    /// '?' stay within one path element, '**' spans any number of them.
    /// </summary>
    public sealed class DockerIgnore
    {
        private readonly List<(Regex Pattern, bool Exception)> _patterns;

        private DockerIgnore(List<(Regex, bool)> patterns) => _patterns = patterns;

        public static DockerIgnore Load()
        {
            var patterns = new List<(Regex, bool)>();
            foreach (string raw in File.ReadAllLines(Path.Combine(Root, ".dockerignore")))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                    continue;
                bool exception = line.StartsWith('!');
                string pattern = (exception ? line[1..] : line).Trim().Trim('/');
                var regex = new StringBuilder("^");
                for (int i = 0; i < pattern.Length; i++)
                {
                    char c = pattern[i];
                    if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
                    {
                        bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                        regex.Append(slash ? "(.*/)?" : ".*");
                        i += slash ? 2 : 1;
                    }
                    else if (c == '*')
                    {
                        regex.Append("[^/]*");
                    }
                    else if (c == '?')
                    {
                        regex.Append("[^/]");
                    }
                    else
                    {
                        regex.Append(Regex.Escape(c.ToString()));
                    }
                }
                patterns.Add((new Regex(regex.Append('$').ToString()), exception));
            }
            return new DockerIgnore(patterns);
        }

        public bool Excludes(string path)
        {
            string[] elements = path.Split('/');
            bool excluded = false;
            foreach ((Regex pattern, bool exception) in _patterns)
            {
                bool matches = Enumerable.Range(1, elements.Length).Any(n => pattern.IsMatch(string.Join('/', elements[..n])));
                if (matches)
                    excluded = !exception;
            }
            return excluded;
        }
    }
}
