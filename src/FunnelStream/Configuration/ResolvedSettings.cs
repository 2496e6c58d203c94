using FunnelStream.Engine;
using FunnelStream.Engine.Journeys;
using FunnelStream.Engine.Kpis;
using FunnelStream.Engine.Leakage;
using FunnelStream.Events;
using FunnelStream.Kafka.Ingest;
using FunnelStream.Kafka.State;
using Microsoft.Extensions.Configuration;

namespace FunnelStream.Configuration;

/// <summary>
/// Configuration turned into the plain settings objects of the engine, parser and ingest, after
/// validation. Building it is the start-up check: any problem throws a
/// <see cref="ConfigurationException"/> that names every offending key and the allowed values.
/// </summary>
public sealed class ResolvedSettings
{
    private ResolvedSettings(FunnelStreamOptions raw, FunnelDefinition funnel, EngineOptions engine, EventParserOptions parser)
    {
        Raw = raw;
        Funnel = funnel;
        Engine = engine;
        Parser = parser;
    }

    public FunnelStreamOptions Raw { get; }

    public FunnelDefinition Funnel { get; }

    public EngineOptions Engine { get; }

    public EventParserOptions Parser { get; }

    /// <summary>Journey tracking (<c>FunnelStream:Journeys</c>), or <c>null</c> when disabled.</summary>
    public JourneyOptions? Journeys { get; private init; }

    /// <summary>The cardinality budget of <paramref name="dimension"/>: <c>Funnel:MaxValuesByDimension</c>, else <c>Funnel:MaxValuesPerDimension</c>.</summary>
    public int MaxValuesFor(string dimension) =>
        Raw.Funnel.MaxValuesByDimension.TryGetValue(dimension, out int max) ? max : Raw.Funnel.MaxValuesPerDimension;

    /// <summary>The KPI constants (<c>FunnelStream:Kpis</c>).</summary>
    public KpiOptions Kpis { get; private init; } = KpiOptions.Default;

    /// <summary>Leakage detection settings; <c>null</c> when <c>FunnelStream:Leakage:Enabled</c> is false.</summary>
    public LeakageOptions? Leakage { get; private init; }

    /// <summary>Checkpoints (<c>FunnelStream:State</c>).</summary>
    public StateOptions State => Raw.State.ToOptions();

    /// <summary>The ingest settings for <paramref name="bootstrapServers"/> (which overrides the configured value when given).</summary>
    public IngestOptions Ingest(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = Raw.Kafka.GroupId,
        Topics = Raw.Kafka.ResolvedTopics,
        DeadLetterTopic = string.IsNullOrEmpty(Raw.Kafka.DeadLetterTopic) ? null : Raw.Kafka.DeadLetterTopic,
        Client = Raw.Kafka.Client,
        BatchSize = Raw.Pipeline.BatchSize,
        ChannelCapacity = Raw.Pipeline.ChannelCapacity,
    };

    /// <summary>Binds the <c>FunnelStream</c> section of <paramref name="configuration"/> and validates it.</summary>
    public static ResolvedSettings From(IConfiguration configuration)
    {
        var raw = new FunnelStreamOptions();
        try
        {
            configuration.GetSection(FunnelStreamOptions.Section).Bind(raw, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key ("... at 'FunnelStream:Windows:AllowedLateness' ..."); unknown keys are listed by name.
            throw new ConfigurationException([e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})"]);
        }
        return From(raw);
    }

    /// <summary>Validates already-bound options.</summary>
    public static ResolvedSettings From(FunnelStreamOptions raw)
    {
        var errors = new List<string>();
        const string S = FunnelStreamOptions.Section;

        void Check(bool ok, string key, string message)
        {
            if (!ok)
                errors.Add($"{S}:{key}: {message}");
        }

        Check(!string.IsNullOrWhiteSpace(raw.Kafka.GroupId), "Kafka:GroupId", "must not be empty");
        Check(raw.Kafka.ResolvedTopics.All(t => !string.IsNullOrWhiteSpace(t)), "Kafka:Topics", "topic names must not be empty");
        Check(Uri.TryCreate(raw.Web.Listen, UriKind.Absolute, out Uri? listen) && listen.Scheme is "http" or "https",
            "Web:Listen", $"must be an http(s) URL such as http://127.0.0.1:9464 (got '{raw.Web.Listen}')");
        Check(raw.Funnel.MaxValuesPerDimension is >= 1 and <= 65_000, "Funnel:MaxValuesPerDimension", $"must be between 1 and 65000 (got {raw.Funnel.MaxValuesPerDimension})");
        Check(raw.Dedup.MaxEntries >= 1024, "Dedup:MaxEntries", $"must be at least 1024 (got {raw.Dedup.MaxEntries})");
        Check(raw.Dedup.Horizon >= TimeSpan.Zero, "Dedup:Horizon", $"must not be negative (got {raw.Dedup.Horizon})");
        Check(raw.Windows.AllowedLateness >= TimeSpan.Zero, "Windows:AllowedLateness", $"must not be negative (got {raw.Windows.AllowedLateness})");
        Check(raw.Windows.IdleSourceTimeout > TimeSpan.Zero, "Windows:IdleSourceTimeout", $"must be positive (got {raw.Windows.IdleSourceTimeout})");
        Check(raw.Events.MaxRecordBytes is >= 256 and <= 64 * 1024 * 1024, "Events:MaxRecordBytes", $"must be between 256 and 67108864 (got {raw.Events.MaxRecordBytes})");
        Check(raw.Events.MaxFutureSkew >= TimeSpan.Zero, "Events:MaxFutureSkew", $"must not be negative (got {raw.Events.MaxFutureSkew})");
        Check(raw.Events.MaxAge > TimeSpan.Zero, "Events:MaxAge", $"must be positive (got {raw.Events.MaxAge})");
        Check(raw.Events.MaxMoney is > 0 and <= 1_000_000_000_000m, "Events:MaxMoney", $"must be in (0, 1000000000000] (got {raw.Events.MaxMoney})");
        Check(raw.Events.Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "Events:Currency", $"must be an ISO 4217 code such as USD (got '{raw.Events.Currency}')");
        Check(raw.Pipeline.BatchSize is >= 1 and <= 65_536, "Pipeline:BatchSize", $"must be between 1 and 65536 (got {raw.Pipeline.BatchSize})");
        Check(raw.Pipeline.ChannelCapacity is >= 1 and <= 4096, "Pipeline:ChannelCapacity", $"must be between 1 and 4096 (got {raw.Pipeline.ChannelCapacity})");
        errors.AddRange(raw.Outputs.Validate($"{S}:Outputs"));
        raw.State.Validate(errors);

        FunnelDefinition? funnel = null;
        try
        {
            funnel = new FunnelDefinition(
                raw.Funnel.Stages ?? FunnelDefinition.Default.Stages.Take(FunnelDefinition.Default.OrderedCount),
                raw.Funnel.OtherStages ?? ["lost", "renewal", "expansion", "churn"],
                raw.Funnel.Dimensions ?? ["campaign", "channel"]);
        }
        catch (ArgumentException e)
        {
            string key = e.ParamName switch
            {
                "dimensions" => "Funnel:Dimensions",
                _ => raw.Funnel.OtherStages is not null && e.Message.Contains("appears twice") ? "Funnel:Stages / Funnel:OtherStages" : "Funnel:Stages",
            };
            errors.Add($"{S}:{key}: {StripParam(e)}");
        }

        var engine = new EngineOptions
        {
            WindowSizes = raw.Windows.Sizes is { Length: > 0 } sizes ? sizes : [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)],
            AllowedLateness = raw.Windows.AllowedLateness,
            DedupHorizon = raw.Dedup.Horizon,
            DedupMaxEntries = raw.Dedup.MaxEntries,
            RollingWindows = raw.Windows.Rolling is { Length: > 0 } rolling ? rolling : [TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), TimeSpan.FromHours(24)],
            IdleSourceTimeout = raw.Windows.IdleSourceTimeout,
            SpendRestatements = raw.Events.SpendRestatements,
        };
        if (raw.Events.SpendRestatements && funnel is not null && !(funnel.Dimensions.Contains("campaign") && funnel.Dimensions.Contains("channel")))
            errors.Add($"{S}:Events:SpendRestatements: needs FunnelStream:Funnel:Dimensions to include campaign and channel (got {string.Join(", ", funnel.Dimensions)}); or set it to false");
        if (errors.Count == 0)
        {
            try
            {
                engine.Validate();
            }
            catch (ArgumentException e)
            {
                string key = e.ParamName switch
                {
                    nameof(EngineOptions.WindowSizes) => "Windows:Sizes",
                    nameof(EngineOptions.RollingWindows) => "Windows:Rolling",
                    _ => e.ParamName ?? "Windows",
                };
                errors.Add($"{S}:{key}: {StripParam(e)}");
            }
        }

        CheckFieldMapping(raw.Events, funnel, errors);
        foreach ((string dimension, int max) in raw.Funnel.MaxValuesByDimension)
        {
            // Any known dimension, not only the configured ones: replay --by may break down by the others.
            if (!FunnelDefinition.KnownDimensions.Contains(dimension))
                errors.Add($"{S}:Funnel:MaxValuesByDimension:{dimension}: unknown dimension; allowed: {string.Join(", ", FunnelDefinition.KnownDimensions)}");
            else if (max is < 1 or > 65_000)
                errors.Add($"{S}:Funnel:MaxValuesByDimension:{dimension}: must be between 1 and 65000 (got {max})");
        }
        JourneyOptions? journeys = JourneySettingsResolver.Resolve(raw.Journeys, funnel, raw.Windows.AllowedLateness, errors);
        KpiOptions kpis = raw.Kpis.Resolve(funnel, errors);
        LeakageOptions? leakage = errors.Count == 0 ? raw.Leakage.Resolve(funnel!, engine, errors, journeys) : null;

        if (errors.Count > 0)
            throw new ConfigurationException(errors);

        var parser = new EventParserOptions
        {
            MaxRecordBytes = raw.Events.MaxRecordBytes,
            MaxFutureSkew = raw.Events.MaxFutureSkew,
            MaxAge = raw.Events.MaxAge,
            MaxMoney = raw.Events.MaxMoney,
            Currency = raw.Events.Currency,
            TypeValues = new Dictionary<string, string>(raw.Events.TypeValues, StringComparer.Ordinal),
        };
        foreach ((string field, string path) in raw.Events.Fields)
            parser.SetFieldPath(ContractField(field)!, path);
        return new ResolvedSettings(raw, funnel!, engine, parser) { Journeys = journeys, Kpis = kpis, Leakage = leakage };
    }

    /// <summary>
    /// <c>Events:Fields</c> and <c>Events:TypeValues</c> (spec/events.md, "Field mapping"), checked here in
    /// configuration terms; <see cref="EventParserOptions"/> checks the same again in its own.
    /// </summary>
    private static void CheckFieldMapping(EventSettings events, FunnelDefinition? funnel, List<string> errors)
    {
        const string Fields = FunnelStreamOptions.Section + ":Events:Fields";
        var effective = EventParserOptions.FieldNames.ToDictionary(f => f, f => f);
        foreach ((string key, string path) in events.Fields)
        {
            string? field = ContractField(key);
            if (field is null)
            {
                errors.Add($"{Fields}:{key}: unknown contract field; allowed: {string.Join(", ", EventParserOptions.FieldNames)}");
                continue;
            }
            if (EventParserOptions.CheckPath(path) is string problem)
            {
                errors.Add($"{Fields}:{key}: {problem}");
                continue;
            }
            int maxDepth = new EventParserOptions().MaxDepth;
            if (path.Split('.').Length > maxDepth)
            {
                errors.Add($"{Fields}:{key}: '{path}' is nested deeper than the {maxDepth} levels a record may have");
                continue;
            }
            effective[field] = path;
        }
        // Two fields from one place, or one field inside another's value, cannot both be read.
        // The contract's own names never overlap, so only pairs with a mapped field are checked.
        HashSet<string> mapped = [.. events.Fields.Keys.Select(ContractField).OfType<string>()];
        IReadOnlyList<string> names = EventParserOptions.FieldNames;
        for (int i = 0; i < names.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                (string a, string b) = (effective[names[j]], effective[names[i]]);
                if ((mapped.Contains(names[i]) || mapped.Contains(names[j]))
                    && (a == b || b.StartsWith(a + ".", StringComparison.Ordinal) || a.StartsWith(b + ".", StringComparison.Ordinal)))
                {
                    string key = mapped.Contains(names[i]) ? names[i] : names[j];
                    errors.Add($"{Fields}:{key}: '{b}' ({names[i]}) and '{a}' ({names[j]}) are the same property, or one is inside the other");
                }
            }
        }
        // The parser gives each object a path goes through one bit of a 32-bit mask, after the 11 fields.
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in effective.Values)
        {
            for (int dot = path.IndexOf('.'); dot >= 0; dot = path.IndexOf('.', dot + 1))
                parents.Add(path[..dot]);
        }
        if (parents.Count > 21)
            errors.Add($"{Fields}: the paths go through {parents.Count} distinct parent objects; at most 21 are supported");

        const string TypeValues = FunnelStreamOptions.Section + ":Events:TypeValues";
        foreach ((string value, string stage) in events.TypeValues)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(value) > 256)
                errors.Add($"{TypeValues}:{value}: a type value must be at most 256 UTF-8 bytes");
            if (funnel is not null && funnel.IndexOf(stage ?? "") < 0)
                errors.Add($"{TypeValues}:{value}: '{stage}' is not a configured stage; allowed: {string.Join(", ", funnel.Stages)}");
        }
    }

    /// <summary>The contract field a <c>Events:Fields</c> key names (configuration keys are case-insensitive), or <c>null</c>.</summary>
    private static string? ContractField(string key) =>
        EventParserOptions.FieldNames.FirstOrDefault(f => string.Equals(f, key, StringComparison.OrdinalIgnoreCase));

    private static string StripParam(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
}
