namespace PptpGw.ControlPlane.Pools;

/// <summary>
/// An inclusive range of IPv4 addresses in host order, as written in <c>ip local pool NAME FIRST-LAST</c>.
/// <see cref="First"/> must not exceed <see cref="Last"/> (the config parser reports such a range as an error).
/// </summary>
public readonly record struct Ipv4Range
{
    public Ipv4Range(uint first, uint last)
    {
        if (first > last)
            throw new ArgumentException($"range start {Ipv4.Format(first)} is above its end {Ipv4.Format(last)}", nameof(first));
        First = first;
        Last = last;
    }

    /// <summary>First address of the range (host order).</summary>
    public uint First { get; }

    /// <summary>Last address of the range, inclusive (host order).</summary>
    public uint Last { get; }

    /// <summary>Number of addresses; a long because 0.0.0.0-255.255.255.255 holds 2^32.</summary>
    public long Count => (long)Last - First + 1;

    public bool Contains(uint address) => address >= First && address <= Last;

    public bool Overlaps(Ipv4Range other) => First <= other.Last && other.First <= Last;

    /// <summary>The PIX form: "a.b.c.d-e.f.g.h", or a single address when the range holds one.</summary>
    public override string ToString() => First == Last ? Ipv4.Format(First) : Ipv4.Format(First) + "-" + Ipv4.Format(Last);
}
