using System.Runtime.CompilerServices;

namespace FunnelStream.IntegrationTests;

/// <summary>The repository's root folder (the one holding FunnelStream.sln), for tests that read deploy/.</summary>
internal static class RepoRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    public static string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    // Up from the test binaries; when they are built elsewhere (--artifacts-path), up from this
    // source file's compile-time path.
    private static string Find()
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(ThisFile()) })
        {
            for (DirectoryInfo? dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "FunnelStream.sln")))
                    return dir.FullName;
            }
        }
        throw new InvalidOperationException($"FunnelStream.sln not found above {AppContext.BaseDirectory} or {ThisFile()}.");
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
