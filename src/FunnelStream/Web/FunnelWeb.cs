using System.Text.Json;
using FunnelStream.Configuration;
using FunnelStream.Outputs.Prometheus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FunnelStream.Web;

/// <summary>
/// The live funnel page: <c>GET /</c> serves one self-contained HTML file (embedded in the assembly:
/// no CDN, nothing to build), which polls <c>GET /api/funnel</c> every 2 s.
/// </summary>
internal static class FunnelWeb
{
    private const string PageResource = "FunnelStream.Web.funnel.html";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using Stream stream = typeof(FunnelWeb).Assembly.GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The embedded resource {PageResource} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>Maps <c>/</c> and <c>/api/funnel</c> onto <paramref name="app"/>, reading <paramref name="registry"/>.</summary>
    public static void Map(WebApplication app, MetricsRegistry registry, ResolvedSettings settings)
    {
        app.MapGet("/", async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            // Everything the page needs is inline; it talks only to this origin.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
            await context.Response.Body.WriteAsync(Page.Value, context.RequestAborted).ConfigureAwait(false);
        });
        app.MapGet("/api/funnel", async context =>
        {
            ExpositionSnapshot snapshot = ExpositionSnapshot.Capture(registry);
            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
            {
                FunnelReport.Write(json, snapshot, settings.Funnel, settings.Engine.RollingWindows, settings.Raw.Events.Currency, DateTimeOffset.UtcNow);
            }
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        });
    }
}
