using System.Text;
using FunnelStream.Generator;
using static FunnelStream.Tests.Generator.GeneratorTestKit;

namespace FunnelStream.Tests.Generator;

public class JsonLinesWriterTests
{
    [Fact]
    public void Write_Records_OneValuePerLineInOrder()
    {
        TrafficOptions options = Fast(duration: TimeSpan.FromMinutes(2));
        options.BadRecordRate = 0.05;
        options.DuplicateRate = 0.05;
        var records = Generate(options);
        using var stream = new MemoryStream();

        long written = JsonLinesWriter.Write(records, stream);

        Assert.Equal(records.Count, written);
        string[] lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.Equal(records.Select(r => Encoding.UTF8.GetString(r.Value)), lines[..^1]);
    }

    [Fact]
    public void Write_CallersStream_LeftOpen()
    {
        using var stream = new MemoryStream();
        JsonLinesWriter.Write(Generate(Fast(duration: TimeSpan.FromSeconds(10))), stream);
        Assert.True(stream.CanWrite);
    }

    [Fact]
    public void WriteFile_ExistingFile_Replaced()
    {
        string path = Path.Combine(Path.GetTempPath(), $"funnelstream-gen-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, new string('x', 1 << 20));
            var records = Generate(Fast(duration: TimeSpan.FromSeconds(30)));
            long written = JsonLinesWriter.WriteFile(records, path);
            Assert.Equal(records.Count, written);
            Assert.Equal(records.Count, File.ReadLines(path).Count());
            Assert.Equal(records.Sum(r => r.Value.Length + 1L), new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
