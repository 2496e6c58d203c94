namespace FunnelStream.IntegrationTests;

/// <summary>Prometheus refused a query (bad syntax, unknown function, ...); the message has its answer.</summary>
internal sealed class PromQlException(string expr, string response) : Exception($"Prometheus refused `{expr}`: {response}");
