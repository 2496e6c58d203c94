using FunnelStream.Generator;
using static FunnelStream.Tests.Generator.GeneratorTestKit;

namespace FunnelStream.Tests.Generator;

public class TrafficOptionsTests
{
    [Fact]
    public void Constructor_Defaults_Valid()
    {
        var generator = new TrafficGenerator(new TrafficOptions());
        Assert.NotEmpty(generator.Generate().Take(10));
    }

    [Theory]
    [InlineData("ClickThroughRate")]
    [InlineData("Duration")]
    [InlineData("EventsPerSecond")]
    [InlineData("Campaigns")]
    [InlineData("Channels")]
    [InlineData("LateDelayMin")]
    [InlineData("IdPrefix")]
    [InlineData("Leaks[0]")]
    [InlineData("Leaks[0].Campaign")]
    public void Constructor_OptionOutOfRange_ArgumentExceptionNamesIt(string option)
    {
        TrafficOptions o = Fast();
        switch (option)
        {
            case "ClickThroughRate": o.ClickThroughRate = 1.5; break;
            case "Duration": o.Duration = TimeSpan.Zero; break;
            case "EventsPerSecond": o.EventsPerSecond = double.NaN; break;
            case "Campaigns": o.Campaigns = ["a", "a"]; break;
            case "Channels": o.Channels = []; break;
            case "LateDelayMin": o.OutOfOrderJitter = TimeSpan.FromMinutes(6); break;
            case "IdPrefix": o.IdPrefix = "a\"b"; break;
            case "Leaks[0]": o.Leaks = [new LeakOptions { From = "mql", To = "won" }]; break;
            case "Leaks[0].Campaign": o.Leaks = [new LeakOptions { From = "mql", To = "sql", Campaign = "nope" }]; break;
        }
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => new TrafficGenerator(o));
        Assert.Equal(option, e.ParamName);
        Assert.StartsWith($"TrafficOptions.{option} ", e.Message);
    }

    [Fact]
    public void Constructor_OptionsChangedAfterwards_GeneratorUnaffected()
    {
        TrafficOptions o = Fast(duration: TimeSpan.FromMinutes(1));
        var generator = new TrafficGenerator(o);
        int before = generator.Generate().Count();
        o.EventsPerSecond *= 10;
        o.Campaigns.Add("new");
        Assert.Equal(before, generator.Generate().Count());
    }

    [Fact]
    public void Generate_NonAsciiDimensionValues_EscapedValidJson()
    {
        TrafficOptions o = Fast(duration: TimeSpan.FromMinutes(1));
        o.Campaigns = ["été \"quoted\" \\ 🚀"];
        var events = ParseValid(Generate(o)).Select(p => p.Event).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal("été \"quoted\" \\ 🚀", e.Campaign));
    }
}
