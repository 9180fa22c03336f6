using PptpGw.Client;
using PptpGw.ControlPlane.Pools;

namespace PptpGw.Load;

/// <summary>
/// The PACs' source addresses: the usable addresses of a prefix (network and broadcast addresses left out for prefixes
/// shorter than /31), tunnel t using address t mod count. Call IDs are allocated per address, so a GRE packet is
/// named by (destination address, Key) even with more than 65,535 calls in all.
/// </summary>
internal sealed class SourceAddressPlan
{
    private readonly uint _first;
    private readonly ushort[] _nextCallId;
    private readonly Lock _gate = new();

    public SourceAddressPlan(Ipv4Prefix prefix, int count)
    {
        uint network = Ipv4.FromIPAddress(prefix.Address) & (prefix.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - prefix.PrefixLength));
        long size = 1L << (32 - prefix.PrefixLength);
        bool trimEnds = prefix.PrefixLength < 31;
        long usable = trimEnds ? size - 2 : size;
        _first = network + (trimEnds ? 1u : 0u);
        Count = (int)Math.Min(usable, count > 0 ? count : int.MaxValue);
        if (Count <= 0)
            throw new ArgumentException($"no usable address in {prefix.Address}/{prefix.PrefixLength}", nameof(prefix));
        _nextCallId = new ushort[Count];
    }

    /// <summary>Addresses in use.</summary>
    public int Count { get; }

    /// <summary>The source address of tunnel <paramref name="tunnel"/>, host order.</summary>
    public uint AddressOf(int tunnel) => _first + (uint)(tunnel % Count);

    /// <summary>The next Call ID on <paramref name="address"/> that <paramref name="isTaken"/> says is free (1..65535).</summary>
    public ushort NextCallId(uint address, Func<ushort, bool> isTaken)
    {
        int index = (int)(address - _first);
        lock (_gate)
        {
            for (int attempt = 0; attempt < ushort.MaxValue; attempt++)
            {
                ushort id = _nextCallId[index] = (ushort)(_nextCallId[index] % ushort.MaxValue + 1);
                if (!isTaken(id))
                    return id;
            }
        }
        throw new InvalidOperationException($"every Call ID of {Ipv4.Format(address)} is in use");
    }
}
