using Microsoft.Extensions.Configuration;

namespace FunnelStream.Configuration;

/// <summary>
/// Where settings come from, lowest precedence first: <c>appsettings.json</c> beside the program,
/// the file given with <c>--config</c>, environment variables (<c>FunnelStream__Kafka__GroupId</c>),
/// then command-line options such as <c>--bootstrap-servers</c>.
/// </summary>
internal static class AppConfiguration
{
    public static IConfigurationRoot Build(string? configFile, IDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new ConfigurationException([$"--config: file '{configFile}' does not exist"]);
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        builder.AddEnvironmentVariables();
        if (overrides is not null)
            builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }
}
