namespace FunnelStream.Configuration;

/// <summary>Invalid configuration, found at start-up; the message names every offending key.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> errors)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
{
    /// <summary>One entry per problem, each starting with the key, e.g. <c>FunnelStream:Windows:AllowedLateness: ...</c>.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
