using System.Diagnostics;

namespace FunnelStream.LoadHarness;

/// <summary>Scrapes a <c>/metrics</c> URL every second into a reused buffer, as Prometheus would; counts scrapes and bytes.</summary>
internal sealed class Scraper : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Scraper(Uri url) => _loop = Task.Run(() => LoopAsync(url));

    public int Scrapes { get; private set; }

    public long LastBytes { get; private set; }

    public int LastSeries { get; private set; }

    public double MaxSeconds { get; private set; }

    private async Task LoopAsync(Uri url)
    {
        byte[] buffer = new byte[4 << 20];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                await using Stream body = await response.Content.ReadAsStreamAsync(_stop.Token);
                int total = 0, read, series = 0;
                bool lineStart = true;
                while ((read = await body.ReadAsync(buffer.AsMemory(total % buffer.Length, buffer.Length - total % buffer.Length), _stop.Token)) > 0)
                {
                    foreach (byte b in buffer.AsSpan(total % buffer.Length, read))
                    {
                        if (lineStart && b != (byte)'#' && b != (byte)'\n')
                            series++;
                        lineStart = b == (byte)'\n';
                    }
                    total += read;
                }
                MaxSeconds = Math.Max(MaxSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
                LastBytes = total;
                LastSeries = series;
                Scrapes++;
                await Task.Delay(1000, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _http.Dispose();
    }
}
