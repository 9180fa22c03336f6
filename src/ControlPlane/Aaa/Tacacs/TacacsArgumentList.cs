using System.Text;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The arguments of an authorization or accounting packet (RFC 8907 §6.1, §7.1): arg_cnt one-octet lengths followed,
/// after the other fields, by the argument texts. Each argument is an attribute-value pair "attribute=value"
/// (mandatory) or "attribute*value" (optional), §6.1. A view over the parsed body; never throws on peer input.
/// </summary>
public readonly ref struct TacacsArgumentList
{
    private readonly ReadOnlySpan<byte> _lengths;
    private readonly ReadOnlySpan<byte> _data;

    internal TacacsArgumentList(ReadOnlySpan<byte> lengths, ReadOnlySpan<byte> data)
    {
        _lengths = lengths;
        _data = data;
    }

    /// <summary>arg_cnt.</summary>
    public int Count => _lengths.Length;

    /// <summary>The argument at <paramref name="index"/> (0-based) as sent.</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_lengths.Length, nameof(index));
            int offset = 0;
            for (int i = 0; i < index; i++)
                offset += _lengths[i];
            return _data.Slice(offset, _lengths[index]);
        }
    }

    /// <summary>Every argument decoded as text (US-ASCII per §3.7; other octets become '?'), for logs and tests.</summary>
    public string[] ToStrings()
    {
        var result = new string[Count];
        int offset = 0;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Encoding.ASCII.GetString(_data.Slice(offset, _lengths[i]));
            offset += _lengths[i];
        }
        return result;
    }

    public Enumerator GetEnumerator() => new(_lengths, _data);

    /// <summary>Walks the arguments in order.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _lengths;
        private readonly ReadOnlySpan<byte> _data;
        private int _index;
        private int _offset;
        private int _next;

        internal Enumerator(ReadOnlySpan<byte> lengths, ReadOnlySpan<byte> data)
        {
            _lengths = lengths;
            _data = data;
            _index = -1;
        }

        public readonly ReadOnlySpan<byte> Current => _data.Slice(_offset, _lengths[_index]);

        public bool MoveNext()
        {
            if (_index + 1 >= _lengths.Length)
                return false;
            _index++;
            _offset = _next;
            _next += _lengths[_index];
            return true;
        }
    }

    /// <summary>
    /// Splits "attribute=value" (mandatory) or "attribute*value" (optional) at the first '=' or '*' (RFC 8907 §6.1).
    /// False when neither separator is there or the attribute is empty.
    /// </summary>
    public static bool TrySplit(ReadOnlySpan<byte> argument, out ReadOnlySpan<byte> attribute, out ReadOnlySpan<byte> value, out bool mandatory)
    {
        int at = argument.IndexOfAny((byte)'=', (byte)'*');
        if (at <= 0)
        {
            attribute = value = default;
            mandatory = false;
            return false;
        }
        attribute = argument[..at];
        value = argument[(at + 1)..];
        mandatory = argument[at] == (byte)'=';
        return true;
    }

    /// <summary>Octets the arguments take in a body: one length octet and the text of each.</summary>
    public static int EncodedLength(ReadOnlySpan<string> arguments)
    {
        int total = 0;
        foreach (string a in arguments)
            total += 1 + a.Length;
        return total;
    }

    /// <summary>The total of the one-octet argument lengths (arg_1_len .. arg_N_len): the octets the texts take.</summary>
    internal static int TotalLength(ReadOnlySpan<byte> lengths)
    {
        int total = 0;
        foreach (byte length in lengths)
            total += length;
        return total;
    }

    /// <summary>True when every argument is printable US-ASCII (§3.7) of at most 255 octets and there are at most 255.</summary>
    public static bool AreValid(ReadOnlySpan<string> arguments)
    {
        if (arguments.Length > byte.MaxValue)
            return false;
        foreach (string a in arguments)
        {
            if (a is null || a.Length > byte.MaxValue)
                return false;
            foreach (char c in a)
            {
                if (c < 0x20 || c > 0x7E)
                    return false;
            }
        }
        return true;
    }

    /// <summary>Writes the length octets into <paramref name="lengths"/> and the texts into <paramref name="data"/> (both sized by the caller).</summary>
    internal static void Write(ReadOnlySpan<string> arguments, Span<byte> lengths, Span<byte> data)
    {
        int offset = 0;
        for (int i = 0; i < arguments.Length; i++)
        {
            lengths[i] = (byte)arguments[i].Length;
            offset += Encoding.ASCII.GetBytes(arguments[i], data[offset..]);
        }
    }
}
