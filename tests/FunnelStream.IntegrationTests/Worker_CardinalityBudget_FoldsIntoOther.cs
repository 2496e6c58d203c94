using System.Globalization;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// With a budget of two campaigns, the worker labels the first two and folds the rest into
/// <c>other</c>, so sums over the dimension still equal the totals; it exports the budget, the folded
/// events and the number of series it exports.
/// </summary>
public sealed class Worker_CardinalityBudget_FoldsIntoOther
{
    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task FiveCampaignsBudgetTwo_RestInOtherAndSeriesCounted()
    {
        await using var fixture = new WorkerFixture(partitions: 1, configure: o => o.Funnel.MaxValuesByDimension = new() { ["campaign"] = 2 });
        DateTimeOffset t0 = DateTimeOffset.UtcNow.AddMinutes(-20);
        string[] campaigns = ["a", "b", "c", "d", "e"];
        int n = 0;
        using (var producer = fixture.CreateProducer())
        {
            // a, b first (they keep their labels), then c, d, e; each campaign i gets i + 1 clicks.
            for (int i = 0; i < campaigns.Length; i++)
            {
                for (int k = 0; k <= i; k++)
                {
                    string json = $$"""{"id":"c-{{n}}","type":"click","ts":"{{Ts(t0.AddSeconds(n))}}","journey":"j-{{n}}","campaign":"{{campaigns[i]}}","channel":"linkedin"}""";
                    await WorkerFixture.ProduceAsync(producer, "funnel.clicks", null, json);
                    n++;
                }
            }
        }

        await fixture.StartAsync();
        ScrapedMetrics m = await fixture.ScrapeUntilAsync(s => s.Sum("funnel_events_total", ("stage", "click")) == n, TimeSpan.FromSeconds(60));

        (string, string) click = ("stage", "click");
        Assert.Equal(1, m.Value("funnel_events_total", click, ("campaign", "a"), ("channel", "linkedin")));
        Assert.Equal(2, m.Value("funnel_events_total", click, ("campaign", "b"), ("channel", "linkedin")));
        Assert.Equal(3 + 4 + 5, m.Value("funnel_events_total", click, ("campaign", "other"), ("channel", "linkedin")));
        Assert.Null(m.Value("funnel_events_total", click, ("campaign", "c"), ("channel", "linkedin")));
        Assert.Equal(n, m.Sum("funnel_events_total", click));
        Assert.Equal(2, m.Value("funnel_dimension_values", ("dimension", "campaign")));
        Assert.Equal(2, m.Value("funnel_dimension_values_max", ("dimension", "campaign")));
        Assert.Equal(1000, m.Value("funnel_dimension_values_max", ("dimension", "channel")));
        Assert.Equal(3 + 4 + 5, m.Value("funnel_dimension_folded_events_total", ("dimension", "campaign")));

        // The series count is the number of sample lines of the very exposition that carries it.
        int lines = m.Text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        Assert.Equal(lines, m.Value("funnel_exported_series"));
    }
}
