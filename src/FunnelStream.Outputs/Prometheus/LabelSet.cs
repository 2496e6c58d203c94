using System.Text;

namespace FunnelStream.Outputs.Prometheus;

/// <summary>
/// An ordered set of labels, escaped and encoded once as the UTF-8 bytes that follow a sample name,
/// e.g. <c>{stage="click",campaign="spring"}</c>; the empty set writes nothing.
/// </summary>
/// <remarks>
/// <para>
/// Build one per series when the series appears and keep it: a scrape only copies its bytes.
/// Labels are written in the order given. Immutable and safe to share between threads.
/// </para>
/// <para>
/// Names must match <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, must not begin with an underscore (reserved by
/// OpenMetrics and Prometheus) and must be unique in the set. Values may be any string, including
/// the empty string, quotes, backslashes, line feeds and non-ASCII text; backslash, double quote
/// and line feed are escaped, the same way in both formats.
/// </para>
/// </remarks>
public sealed class LabelSet
{
    private readonly (string Name, string Value)[] _labels;
    private readonly byte[] _encoded;
    private readonly byte[] _bucketPrefix;

    /// <summary>The set without labels; samples with it are written as a bare name.</summary>
    public static LabelSet Empty { get; } = new();

    /// <summary>Builds a label set from name/value pairs, in the order given.</summary>
    /// <exception cref="ArgumentException">
    /// A name is not a valid label name or appears twice, or a value is null or not valid Unicode (a
    /// lone surrogate); the message names the label.
    /// </exception>
    public LabelSet(params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _labels = labels.ToArray();
        var text = new StringBuilder();
        for (int i = 0; i < _labels.Length; i++)
        {
            (string name, string value) = _labels[i];
            ArgumentNullException.ThrowIfNull(name, nameof(labels));
            if (!ExpositionText.IsValidLabelName(name))
                throw new ArgumentException($"'{name}' is not a valid label name: it must match [a-zA-Z_][a-zA-Z0-9_]* and not begin with '_'.", nameof(labels));
            if (value is null)
                throw new ArgumentException($"Label '{name}' has a null value; use the empty string for an empty value.", nameof(labels));
            ExpositionText.RequireValidUnicode(value, $"The value of label '{name}'", nameof(labels));
            for (int j = 0; j < i; j++)
            {
                if (string.Equals(_labels[j].Name, name, StringComparison.Ordinal))
                    throw new ArgumentException($"Label name '{name}' appears twice; label names must be unique within a set.", nameof(labels));
            }
            if (string.Equals(name, "le", StringComparison.Ordinal))
                HasLe = true;

            text.Append(i == 0 ? '{' : ',').Append(name).Append("=\"");
            ExpositionText.AppendEscapedLabelValue(text, value);
            text.Append('"');
        }

        if (_labels.Length == 0)
        {
            _encoded = [];
            _bucketPrefix = "{"u8.ToArray();
        }
        else
        {
            byte[] open = ExpositionText.ToUtf8(text);
            _encoded = [.. open, (byte)'}'];
            _bucketPrefix = [.. open, (byte)','];
        }
    }

    /// <summary>How many labels the set has.</summary>
    public int Count => _labels.Length;

    /// <summary>The label at <paramref name="index"/>, unescaped, in the order given.</summary>
    public (string Name, string Value) this[int index] => _labels[index];

    /// <summary><c>{name="value",...}</c> as written, or empty for <see cref="Empty"/>.</summary>
    internal ReadOnlySpan<byte> Encoded => _encoded;

    /// <summary>
    /// What precedes a histogram bucket's <c>le="..."}</c>: <c>{name="value",...,</c>, or <c>{</c> for
    /// the empty set, so a bucket line needs no per-scrape concatenation.
    /// </summary>
    internal ReadOnlySpan<byte> BucketPrefix => _bucketPrefix;

    /// <summary>Whether a label is named <c>le</c>, which a histogram's series must not have.</summary>
    internal bool HasLe { get; }

    /// <summary>The labels as written in an exposition, e.g. <c>{stage="click"}</c>.</summary>
    public override string ToString() => Encoding.UTF8.GetString(_encoded);
}
