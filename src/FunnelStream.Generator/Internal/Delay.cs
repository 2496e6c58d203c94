namespace FunnelStream.Generator.Internal;

/// <summary>The gaps between stages that the simulation draws (see <see cref="TrafficOptions"/> remarks).</summary>
internal enum Delay : byte
{
    ToClick,
    ToLead,
    ToMql,
    ToSql,
    ToOpportunity,
    ToClose,
    ToExpansion,
    ToRenewal,
}
