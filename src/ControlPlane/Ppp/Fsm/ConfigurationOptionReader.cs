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
