namespace PptpGw.Fuzz;

/// <summary>Runs one input through a parser; any exception that escapes is a defect (peer input never throws).</summary>
public delegate void FuzzAction(ReadOnlySpan<byte> input);

/// <summary>
/// One fuzz target: a peer-facing parser (and what the gateway does with its result right after), its seed corpus
/// (RFC vectors, the reference guide's captures, frames built with the project's own writers).
/// </summary>
/// <param name="Name">The name `./build.sh fuzz TARGET` takes.</param>
/// <param name="Covers">The parsers the target drives, for docs/ROBUSTNESS.md.</param>
/// <param name="Run">The harness: never throws for any input unless a parser is defective.</param>
/// <param name="Seeds">The seed corpus.</param>
public sealed record FuzzTarget(string Name, string Covers, FuzzAction Run, Func<IEnumerable<byte[]>> Seeds);

/// <summary>Splits one fuzz input into several peer messages: each is a 2-octet big-endian length and that many octets.</summary>
public ref struct FuzzChunks
{
    private ReadOnlySpan<byte> _rest;

    public FuzzChunks(ReadOnlySpan<byte> input) => _rest = input;

    /// <summary>The next chunk (shorter than its length prefix when the input ends first); false when none is left.</summary>
    public bool TryNext(out ReadOnlySpan<byte> chunk)
    {
        if (_rest.Length < 2)
        {
            chunk = default;
            return false;
        }
        int length = (_rest[0] << 8) | _rest[1];
        _rest = _rest[2..];
        int take = Math.Min(length, _rest.Length);
        chunk = _rest[..take];
        _rest = _rest[take..];
        return true;
    }

    /// <summary>The inverse, for building seeds.</summary>
    public static byte[] Join(params IEnumerable<byte[]> chunks)
    {
        var output = new List<byte>();
        foreach (byte[] chunk in chunks)
        {
            output.Add((byte)(chunk.Length >> 8));
            output.Add((byte)chunk.Length);
            output.AddRange(chunk);
        }
        return [.. output];
    }
}

/// <summary>Small helpers for seeds.</summary>
internal static class Seed
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
