namespace FunnelStream.Generator;

/// <summary>Writes records as JSON Lines: each record's value bytes, then <c>\n</c> (values never contain a newline).</summary>
public static class JsonLinesWriter
{
    /// <summary>Writes every record of <paramref name="records"/> to <paramref name="output"/> (buffered, flushed at the end; the stream stays open).</summary>
    /// <returns>The number of records written.</returns>
    public static long Write(IEnumerable<GeneratedRecord> records, Stream output)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(output);
        // Not disposed: disposing a BufferedStream would close the caller's stream.
        var buffered = new BufferedStream(output, 1 << 16);
        long count = 0;
        foreach (GeneratedRecord r in records)
        {
            buffered.Write(r.Value);
            buffered.WriteByte((byte)'\n');
            count++;
        }
        buffered.Flush();
        return count;
    }

    /// <summary>Writes every record of <paramref name="records"/> to the file <paramref name="path"/>, replacing it.</summary>
    /// <returns>The number of records written.</returns>
    public static long WriteFile(IEnumerable<GeneratedRecord> records, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        return Write(records, file);
    }
}
