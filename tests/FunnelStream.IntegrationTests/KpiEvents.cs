using System.Globalization;

namespace FunnelStream.IntegrationTests;

/// <summary>A small, known set of funnel events (JSONL, in event-time order) for the KPI topic tests.</summary>
internal static class KpiEvents
{
    public static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The start of the hour three hours ago: every window of the events has ended in processing time.</summary>
    public static DateTimeOffset Base()
    {
        DateTimeOffset t = DateTimeOffset.UtcNow.AddHours(-3);
        return new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>
    /// Events from <paramref name="t0"/> to <paramref name="t0"/> + 70 min over three breakdowns and every
    /// input topic, with costs, a won deal, a spend report and a duplicate id. Topic, key, JSON.
    /// </summary>
    public static List<(string Topic, string Key, string Json)> Build(DateTimeOffset t0, int journeys = 12)
    {
        var events = new List<(DateTimeOffset Ts, string Topic, string Key, string Json)>();
        string[] campaigns = ["spring", "summer", "autumn"];
        string[] channels = ["linkedin", "google_ads", "email"];
        for (int j = 0; j < journeys; j++)
        {
            string journey = $"j-{j}";
            string campaign = campaigns[j % 3], channel = channels[j % 3];
            DateTimeOffset t = t0.AddMinutes(j * 5 + 1);
            string dims = $"\"campaign\":\"{campaign}\",\"channel\":\"{channel}\"";
            events.Add((t, "funnel.clicks", journey, $$"""{"id":"imp-{{j}}","type":"impression","ts":"{{Ts(t)}}",{{dims}},"cost":0.012}"""));
            events.Add((t.AddSeconds(10), "funnel.clicks", journey, $$"""{"id":"clk-{{j}}","type":"click","ts":"{{Ts(t.AddSeconds(10))}}","journey":"{{journey}}",{{dims}},"cost":1.25}"""));
            if (j % 2 == 0)
                events.Add((t.AddMinutes(1), "funnel.leads", journey, $$"""{"id":"lead-{{j}}","type":"lead","ts":"{{Ts(t.AddMinutes(1))}}","journey":"{{journey}}",{{dims}}}"""));
            if (j % 4 == 0)
                events.Add((t.AddMinutes(2), "funnel.leads", journey, $$"""{"id":"mql-{{j}}","type":"mql","ts":"{{Ts(t.AddMinutes(2))}}","journey":"{{journey}}",{{dims}}}"""));
            if (j == 4)
                events.Add((t.AddMinutes(3), "funnel.deals", journey, $$"""{"id":"won-{{j}}","type":"won","ts":"{{Ts(t.AddMinutes(3))}}","journey":"{{journey}}",{{dims}},"amount":12000,"currency":"USD"}"""));
        }
        events.Add((t0.AddMinutes(30), "funnel.clicks", "spend", $$"""{"id":"spend-1","type":"spend","ts":"{{Ts(t0.AddMinutes(30))}}","campaign":"spring","channel":"linkedin","cost":2000}"""));
        // A producer retry: the same id again, counted once.
        events.Add((t0.AddMinutes(31), "funnel.clicks", "j-0", events[1].Json));
        return events.OrderBy(e => e.Ts).Select(e => (e.Topic, e.Key, e.Json)).ToList();
    }
}
