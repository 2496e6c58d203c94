using System.Globalization;
using FunnelStream.Cli;
using FunnelStream.Generator;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace FunnelStream.IntegrationTests;

/// <summary>
/// The live funnel page at <c>/</c>, opened in headless Chromium (Debian's <c>chromium</c>, driven by
/// Playwright with its bundled driver: nothing is downloaded), shows the funnel stages, counts,
/// conversions, cost KPIs and alerts that <c>/metrics</c> has, and follows new events without a
/// reload. Saves a screenshot (bin/.../screenshots/funnel-page.png, or FUNNELSTREAM_SCREENSHOT).
/// </summary>
public sealed class FunnelPage_MatchesMetricsInChromium
{
    private const string Chromium = "/usr/bin/chromium";
    // The page formats with Intl.NumberFormat("en-US"); the tests run with invariant globalization,
    // whose N0/N2/P2 patterns are the same digits and separators (P2 adds a space before %).
    private static readonly CultureInfo En = CultureInfo.InvariantCulture;

    [Fact]
    public async Task Page_AfterGeneratedTraffic_ShowsTheNumbersOfMetricsAndFollowsNewEvents()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/setup.sh does, with FUNNELSTREAM_SETUP_TESTS=1)");
        await using var fixture = new WorkerFixture();
        await fixture.StartAsync();

        // A finite burst of generated traffic (duplicates and malformed records included), in event
        // time a few minutes ago, then wait until the worker has read all of it.
        var traffic = new TrafficOptions
        {
            Seed = 7,
            Start = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10),
            Duration = TimeSpan.FromMinutes(5),
            EventsPerSecond = 40,
            StageDelayScale = 0.0002,
            DuplicateRate = 0.01,
            BadRecordRate = 0.01,
        };
        long published = await TrafficPublisher.PublishAsync(new TrafficGenerator(traffic).Generate(), fixture.Broker.BootstrapServers,
            realtime: false, NullLogger.Instance, CancellationToken.None);
        ScrapedMetrics metrics = await fixture.ScrapeUntilAsync(m => m.Sum("funnel_consumer_records_total") >= published, TimeSpan.FromSeconds(90));
        Assert.Equal(published, (long)metrics.Sum("funnel_consumer_records_total"));
        metrics = await fixture.ScrapeAsync();

        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        // A laptop screen.
        IPage page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        Uri root = new(fixture.MetricsUri!, "/");
        await page.GotoAsync(root.ToString());
        await page.Locator("#funnel .stage").First.WaitForAsync(new() { Timeout = 30_000 });

        // Stages in funnel order, each with the count of /metrics (summed over breakdowns), shown formatted.
        string[] stages = fixture.Settings.Funnel.Stages.Where(s => s != "spend").ToArray();
        string[] ordered = stages.Take(fixture.Settings.Funnel.OrderedCount).ToArray();
        Assert.Equal(ordered, await page.Locator("#funnel .stage").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.stage)"));
        foreach (string stage in stages)
        {
            double expected = metrics.Sum("funnel_events_total", ("stage", stage));
            ILocator row = page.Locator($"[data-stage=\"{stage}\"]");
            Assert.Equal(expected, double.Parse((await row.GetAttributeAsync("data-count"))!, CultureInfo.InvariantCulture));
            string shown = await row.Locator(ordered.Contains(stage) ? ".count" : "b").InnerTextAsync();
            Assert.Equal(expected.ToString("N0", En), shown.Trim());
        }
        Assert.True(metrics.Sum("funnel_events_total", ("stage", "click")) > 0, "the generated traffic has no clicks");

        // Conversion between adjacent stages: count(to) / count(from).
        for (int i = 0; i + 1 < ordered.Length; i++)
        {
            double from = metrics.Sum("funnel_events_total", ("stage", ordered[i]));
            double to = metrics.Sum("funnel_events_total", ("stage", ordered[i + 1]));
            ILocator conv = page.Locator($".conv[data-from=\"{ordered[i]}\"][data-to=\"{ordered[i + 1]}\"]");
            string ratio = (await conv.GetAttributeAsync("data-ratio"))!;
            if (from == 0)
            {
                Assert.Equal("", ratio);
                continue;
            }
            Assert.Equal(to / from, double.Parse(ratio, CultureInfo.InvariantCulture), 12);
            Assert.Equal((to / from).ToString("P2", En).Replace(" ", ""), (await conv.Locator(".rate").InnerTextAsync()).Trim());
        }

        // Cost KPIs from the same counters.
        double spend = metrics.Sum("funnel_spend_total");
        Assert.True(spend > 0, "the generated traffic has no spend");
        await AssertKpi(page, "ctr", metrics.Sum("funnel_events_total", ("stage", "click")) / metrics.Sum("funnel_events_total", ("stage", "impression")));
        await AssertKpi(page, "cpc", spend / metrics.Sum("funnel_events_total", ("stage", "click")));
        await AssertKpi(page, "cpl", spend / metrics.Sum("funnel_events_total", ("stage", "lead")));
        Assert.Equal("$" + spend.ToString("N2", En), (await page.Locator("#spend").InnerTextAsync()).Trim());

        // Active alerts: the funnel_leakage_active series at 1 (none before the leak detector exists).
        int active = metrics.Text.Split('\n').Count(l => l.StartsWith("funnel_leakage_active{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Equal(active.ToString(CultureInfo.InvariantCulture), await page.Locator("#alerts").GetAttributeAsync("data-count"));
        if (active == 0)
            Assert.Equal("none", (await page.Locator("#alerts").InnerTextAsync()).Trim());

        // Readable on a laptop: nothing wider than the window.
        LocatorBoundingBoxResult box = (await page.Locator("main").BoundingBoxAsync())!;
        Assert.True(box.X + box.Width <= 1440, $"the page is {box.X + box.Width} px wide on a 1440 px screen");

        string screenshot = Environment.GetEnvironmentVariable("FUNNELSTREAM_SCREENSHOT")
            ?? Path.Combine(AppContext.BaseDirectory, "screenshots", "funnel-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        byte[] png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', $"{screenshot} is not a screenshot");

        // Live: three new clicks appear on the open page without a reload.
        double clicks = metrics.Sum("funnel_events_total", ("stage", "click"));
        using (var producer = fixture.CreateProducer())
        {
            for (int i = 0; i < 3; i++)
            {
                string ts = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                await WorkerFixture.ProduceAsync(producer, "funnel.clicks", $"live-{i}",
                    $$"""{"id":"live-check-{{i}}","type":"click","ts":"{{ts}}","campaign":"live-check","channel":"web"}""");
            }
        }
        string want = (clicks + 3).ToString(CultureInfo.InvariantCulture);
        await page.Locator($"#funnel .stage[data-stage=\"click\"][data-count=\"{want}\"]").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal(clicks + 3, (await fixture.ScrapeAsync()).Sum("funnel_events_total", ("stage", "click")));
        Assert.Equal((clicks + 3).ToString("N0", En), (await page.Locator("#funnel .stage[data-stage=\"click\"] .count").InnerTextAsync()).Trim());
    }

    private static async Task AssertKpi(IPage page, string key, double expected)
    {
        string? value = await page.Locator($"[data-kpi=\"{key}\"]").GetAttributeAsync("data-value");
        Assert.False(string.IsNullOrEmpty(value), $"KPI {key} has no value on the page");
        double shown = double.Parse(value, CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(shown - expected) <= 1e-9 * Math.Abs(expected), $"KPI {key}: page {shown}, /metrics gives {expected}");
    }
}
