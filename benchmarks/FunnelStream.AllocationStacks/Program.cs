// Reads a dotnet-trace file of the runtime's GC events (allocation ticks, with stacks) and prints the
// large-object-heap allocations grouped by type, size and call stack, most bytes first: which code
// fills the large-object budget that triggers gen-2 collections. Usage (benchmarks/README.md):
//   dotnet run -c Release --project FunnelStream.AllocationStacks -- trace.nettrace [top] [frames]
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

if (args.Length == 0 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: FunnelStream.AllocationStacks TRACE.nettrace [top=15] [frames=12]");
    return 2;
}
int top = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15;
int depth = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 12;

string etlx = TraceLog.CreateFromEventPipeDataFile(args[0]);
using var log = new TraceLog(etlx);
var groups = new Dictionary<string, (int Ticks, long Bytes)>();
foreach (GCAllocationTickTraceData tick in log.Events.ByEventType<GCAllocationTickTraceData>())
{
    if (tick.AllocationKind != GCAllocationKind.Large)
        continue;
    var frames = new List<string>();
    for (TraceCallStack? frame = tick.CallStack(); frame is not null && frames.Count < depth; frame = frame.Caller)
    {
        string method = frame.CodeAddress.FullMethodName;
        frames.Add(string.IsNullOrEmpty(method) ? frame.CodeAddress.ModuleName + "!?" : method);
    }
    string key = $"{tick.TypeName} of {tick.ObjectSize:N0} B\n    " + string.Join("\n    ", frames);
    (int ticks, long bytes) = groups.GetValueOrDefault(key);
    groups[key] = (ticks + 1, bytes + tick.AllocationAmount64);
}
if (groups.Count == 0)
    Console.WriteLine("no large-object allocation ticks in the trace (collect with --providers Microsoft-Windows-DotNETRuntime:0x1:5)");
foreach ((string key, (int ticks, long bytes)) in groups.OrderByDescending(g => g.Value.Bytes).Take(top))
    Console.WriteLine($"{ticks} ticks, {bytes / 1e6:F1} MB: {key}\n");
return 0;
