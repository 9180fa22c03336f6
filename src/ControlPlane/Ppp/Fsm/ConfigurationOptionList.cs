namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>
/// Walks a Configuration Option list (RFC 1661 §6: Type, Length including both, Data) without
/// interpreting any type. Used by the automaton for the checks that do not depend on the protocol:
/// Configure-Reject must be a subset of our request (§5.4), Nak-to-Reject conversion (§4.6 Max-Failure).
/// </summary>
internal ref struct ConfigurationOptionReader
{
    private readonly ReadOnlySpan<byte> _list;
    private int _offset;

    public ConfigurationOptionReader(ReadOnlySpan<byte> list)
    {
        _list = list;
        _offset = 0;
        IsMalformed = false;
    }

    /// <summary>True once an option with Length below 2 or beyond the list was met.</summary>
    public bool IsMalformed { get; private set; }

    /// <summary>The next whole option (Type, Length and Data); false at the end or on a malformed option.</summary>
    public bool TryNext(out ReadOnlySpan<byte> option)
    {
        option = default;
        if (IsMalformed || _offset >= _list.Length)
            return false;
        ReadOnlySpan<byte> rest = _list[_offset..];
        if (rest.Length < 2 || rest[1] < 2 || rest[1] > rest.Length)
        {
            IsMalformed = true;
            return false;
        }
        option = rest[..rest[1]];
        _offset += rest[1];
        return true;
    }
}

internal static class ConfigurationOptionList
{
    /// <summary>
    /// RFC 1661 §5.4: the options of a Configure-Reject "MUST be a proper subset of those in the last
    /// transmitted packet", unmodified and in the same order.
    /// </summary>
    public static bool IsOrderedSubset(ReadOnlySpan<byte> rejected, ReadOnlySpan<byte> request)
    {
        var rejectedReader = new ConfigurationOptionReader(rejected);
        var requestReader = new ConfigurationOptionReader(request);
        while (rejectedReader.TryNext(out ReadOnlySpan<byte> option))
        {
            bool found = false;
            while (requestReader.TryNext(out ReadOnlySpan<byte> candidate))
            {
                if (candidate.SequenceEqual(option))
                {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return !rejectedReader.IsMalformed;
    }

    /// <summary>
    /// Max-Failure (RFC 1661 §4.6): "further Configure-Nak packets for peer requested options are converted
    /// to Configure-Reject packets". Copies the peer's own options whose Type appears in <paramref name="nak"/>
    /// into <paramref name="destination"/> (which must be as large as <paramref name="request"/>); returns the
    /// length written, 0 when the Nak names none of the peer's options.
    /// </summary>
    public static int ConvertNakToReject(ReadOnlySpan<byte> request, ReadOnlySpan<byte> nak, Span<byte> destination)
    {
        Span<bool> nakedTypes = stackalloc bool[256];
        var nakReader = new ConfigurationOptionReader(nak);
        while (nakReader.TryNext(out ReadOnlySpan<byte> option))
            nakedTypes[option[0]] = true;

        int written = 0;
        var requestReader = new ConfigurationOptionReader(request);
        while (requestReader.TryNext(out ReadOnlySpan<byte> option))
        {
            if (!nakedTypes[option[0]])
                continue;
            option.CopyTo(destination[written..]);
            written += option.Length;
        }
        return written;
    }
}
