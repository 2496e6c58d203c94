using System.Text;

namespace FunnelStream.Kafka.State;

/// <summary>
/// Checkpoints as files in a local directory, one per key, replaced atomically (written to a
/// temporary file, flushed to disk, renamed over the old one). For a single instance with a
/// persistent volume; several instances need a shared directory or the Kafka store.
/// </summary>
public sealed class DirectoryCheckpointStore : ICheckpointStore
{
    private readonly string _directory;

    public DirectoryCheckpointStore(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public string Description => $"directory {_directory}";

    public void Save(IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> checkpoints)
    {
        try
        {
            foreach ((string key, ReadOnlyMemory<byte> data) in checkpoints)
            {
                string path = PathOf(key);
                string temp = path + ".tmp";
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(data.Span);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true);
            }
        }
        catch (IOException e)
        {
            throw new CheckpointStoreException($"could not write a checkpoint to {_directory}: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CheckpointStoreException($"could not write a checkpoint to {_directory}: {e.Message}", e);
        }
    }

    public IReadOnlyDictionary<string, byte[]> Load(IReadOnlyCollection<string> keys)
    {
        var found = new Dictionary<string, byte[]>();
        foreach (string key in keys)
        {
            string path = PathOf(key);
            if (File.Exists(path))
                found[key] = File.ReadAllBytes(path);
        }
        return found;
    }

    /// <summary>The file of <paramref name="key"/>: every byte outside <c>[A-Za-z0-9._-]</c> escaped as <c>%XX</c>, so keys never collide or escape the directory.</summary>
    public string PathOf(string key)
    {
        var name = new StringBuilder("checkpoint-");
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_')
                name.Append((char)b);
            else
                name.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return Path.Combine(_directory, name.Append(".bin").ToString());
    }

    public void Dispose()
    {
    }
}
