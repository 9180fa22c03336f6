using System.Buffers.Binary;
using CsCheck;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Packets;

/// <summary>
/// TCP MSS clamping over crafted SYNs: the MSS option at different offsets (first, after NOPs at an odd offset, after
/// window scale and timestamps, with IPv4 options), no MSS option, an MSS already smaller, SYN-ACK, segments that are not
/// SYNs, later fragments, malformed option lists; every rewritten checksum verified by an independent RFC 1071 sum over
/// the pseudo-header (RFC 9293 §3.1) and the whole segment.
/// </summary>
public sealed class TcpMssClampTests
{
    internal const byte Syn = 0x02, Ack = 0x10;

    /// <summary>A whole IPv4/TCP datagram with <paramref name="options"/> (padded to 4 octets) and a correct checksum.</summary>
    internal static byte[] Segment(byte flags, byte[] options, int payload = 0, byte[]? ipOptions = null, ushort fragment = 0x4000,
        uint source = 0xC6130105, uint destination = 0xC6121401)
    {
        ipOptions ??= [];
        int optionLength = (options.Length + 3) / 4 * 4;
        int ihl = 20 + ipOptions.Length;
        int tcpLength = 20 + optionLength + payload;
        var p = new byte[ihl + tcpLength];
        p[0] = (byte)(0x40 | (ihl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), fragment);
        p[8] = 64;
        p[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(16), destination);
        ipOptions.CopyTo(p, 20);
        Span<byte> tcp = p.AsSpan(ihl);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 443);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 0x12345678);
        tcp[12] = (byte)(((20 + optionLength) / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        options.CopyTo(tcp[20..]);
        for (int i = 0; i < payload; i++)
            tcp[20 + optionLength + i] = (byte)(i * 7 + 3);
        ushort checksum = ReferenceChecksum(p);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], checksum);
        ushort header = 0; // the IPv4 header checksum too (RFC 791), so a verifying receiver takes the datagram
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), 0);
        header = InternetChecksum.Compute(p.AsSpan(0, ihl));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), header);
        return p;
    }

    /// <summary>RFC 1071 written out plainly (octet pairs, 32-bit sum, end-around carry), independent of InternetChecksum: the value to store, computed with the field as zero.</summary>
    internal static ushort ReferenceChecksum(byte[] datagram)
    {
        int ihl = (datagram[0] & 0x0F) * 4;
        int tcpLength = datagram.Length - ihl;
        var words = new List<byte>();
        words.AddRange(datagram[12..20]);                   // source, destination (RFC 9293 §3.1 pseudo-header)
        words.AddRange(new byte[] { 0, 6, (byte)(tcpLength >> 8), (byte)tcpLength });
        byte[] tcp = datagram[ihl..];
        tcp[16] = tcp[17] = 0;
        words.AddRange(tcp);
        if (words.Count % 2 != 0)
            words.Add(0);
        long sum = 0;
        for (int i = 0; i < words.Count; i += 2)
            sum += (words[i] << 8) | words[i + 1];
        while ((sum >> 16) != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    internal static void AssertChecksumValid(byte[] datagram)
    {
        int ihl = (datagram[0] & 0x0F) * 4;
        Assert.Equal(ReferenceChecksum(datagram), BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(ihl + 16)));
    }

    internal static ushort Mss(byte[] datagram, int optionOffset) =>
        BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(((datagram[0] & 0x0F) * 4) + 20 + optionOffset + 2));

    internal static byte[] MssOption(ushort mss) => [2, 4, (byte)(mss >> 8), (byte)mss];

    public static TheoryData<string, byte[], int> Layouts() => new()
    {
        // name, options, offset of the MSS option in them
        { "MSS first (Linux)", [.. MssOption(1460), 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7], 0 },
        { "after one NOP: value at an odd offset", [1, .. MssOption(1460), 1, 1, 1], 1 },
        { "after three NOPs: odd offset again", [1, 1, 1, .. MssOption(1460)], 3 },
        { "after window scale and SACK-permitted (Windows order differs)", [1, 3, 3, 8, 4, 2, .. MssOption(1460)], 6 },
        { "after timestamps", [1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, .. MssOption(8960)], 12 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_larger_mss_is_lowered_and_the_checksum_stays_valid(string name, byte[] options, int offset)
    {
        foreach (byte flags in new[] { Syn, (byte)(Syn | Ack) })
        {
            byte[] p = Segment(flags, options);
            byte[] before = (byte[])p.Clone();
            Assert.Equal(TcpMssClampResult.Clamped, TcpMssClamp.Apply(p, 1360));
            Assert.Equal(1360, Mss(p, offset));
            AssertChecksumValid(p);
            // Nothing else moved: only the two MSS octets and the two checksum octets differ.
            int ihl = (p[0] & 0x0F) * 4, at = ihl + 20 + offset + 2;
            int[] changed = [.. Enumerable.Range(0, p.Length).Where(i => p[i] != before[i])];
            Assert.All(changed, i => Assert.True(i == at || i == at + 1 || i == ihl + 16 || i == ihl + 17, $"{name}: octet {i} changed"));
        }
    }

    [Fact]
    public void With_ipv4_options_the_tcp_header_is_found_by_ihl()
    {
        byte[] p = Segment(Syn, MssOption(1460), ipOptions: [1, 1, 1, 0]); // IHL 6
        Assert.Equal(TcpMssClampResult.Clamped, TcpMssClamp.Apply(p, 1400));
        Assert.Equal(1400, Mss(p, 0));
        AssertChecksumValid(p);
    }

    [Fact]
    public void A_smaller_or_equal_mss_is_left_alone()
    {
        foreach (ushort mss in new ushort[] { 536, 1360 })
        {
            byte[] p = Segment(Syn, MssOption(mss));
            byte[] before = (byte[])p.Clone();
            Assert.Equal(TcpMssClampResult.AlreadySmaller, TcpMssClamp.Apply(p, 1360));
            Assert.Equal(before, p);
        }
    }

    [Fact]
    public void A_syn_without_mss_is_left_alone()
    {
        byte[] p = Segment(Syn, [1, 3, 3, 7, 4, 2, 0, 0]);
        byte[] before = (byte[])p.Clone();
        Assert.Equal(TcpMssClampResult.NoMssOption, TcpMssClamp.Apply(p, 1360));
        Assert.Equal(before, p);
        Assert.Equal(TcpMssClampResult.NoMssOption, TcpMssClamp.Apply(Segment(Syn, []), 1360));
    }

    [Fact]
    public void Segments_that_are_not_syns_and_other_datagrams_are_left_alone()
    {
        // An ACK carrying payload that happens to look like an MSS option, a later fragment, UDP.
        byte[] ack = Segment(Ack, MssOption(1460), payload: 100);
        byte[] fragment = Segment(Syn, MssOption(1460), fragment: 0x0010);
        byte[] udp = Segment(Syn, MssOption(1460));
        udp[9] = 17;
        foreach (byte[] p in new[] { ack, fragment, udp })
        {
            byte[] before = (byte[])p.Clone();
            Assert.Equal(TcpMssClampResult.NotSyn, TcpMssClamp.Apply(p, 1360));
            Assert.Equal(before, p);
        }
        Assert.Equal(TcpMssClampResult.NotSyn, TcpMssClamp.Apply(Segment(Syn, MssOption(1460)).AsSpan(0, 30), 1360));
    }

    [Theory]
    [InlineData(new byte[] { 8, 0, 2, 4, 5, 180, 0, 0 })]  // a zero length before the MSS: would loop forever
    [InlineData(new byte[] { 8, 1, 2, 4, 5, 180, 0, 0 })]  // length 1
    [InlineData(new byte[] { 1, 1, 1, 8, 40, 0, 0, 0 })]   // runs past the header
    [InlineData(new byte[] { 1, 1, 1, 1, 1, 1, 1, 2 })]    // a kind with no room for its length
    public void Malformed_options_are_left_alone(byte[] options)
    {
        byte[] p = Segment(Syn, options);
        byte[] before = (byte[])p.Clone();
        Assert.Equal(TcpMssClampResult.MalformedOptions, TcpMssClamp.Apply(p, 1360));
        Assert.Equal(before, p);
    }

    [Fact]
    public void A_truncated_data_offset_is_not_read_past()
    {
        byte[] p = Segment(Syn, MssOption(1460));
        int ihl = 20;
        p[ihl + 12] = 0xF0; // 60-octet header in a 44-octet datagram
        Assert.Equal(TcpMssClampResult.NotSyn, TcpMssClamp.Apply(p, 1360));
    }

    [Fact]
    public void The_stage_allocates_nothing()
    {
        byte[] syn = Segment(Syn, [1, .. MssOption(1460), 1, 1, 1]);
        byte[] ack = Segment(Ack, [], payload: 1000);
        _ = TcpMssClamp.Apply(syn, 1360); // JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100_000; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(syn.AsSpan(20 + 20 + 3), 1460); // back above the clamp (checksum aside)
            _ = TcpMssClamp.Apply(syn, 1360);
            _ = TcpMssClamp.Apply(ack, 1360);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Mss_for_an_mtu_is_the_mtu_less_40() => Assert.Equal(1360, TcpMssClamp.ForMtu(1400));

    [Fact]
    public void Any_syn_with_any_mss_and_payload_keeps_a_valid_checksum()
    {
        Gen.Select(Gen.UShort, Gen.UShort[48, 1460], Gen.Int[0, 3], Gen.Int[0, 33], Gen.Byte.Array[0, 12])
            .Sample((mss, clamp, nops, payload, tail) =>
            {
                byte[] options = [.. Enumerable.Repeat((byte)1, nops), .. MssOption(mss), .. Enumerable.Repeat((byte)1, tail.Length % 4)];
                byte[] p = Segment(Syn, options, payload);
                TcpMssClampResult result = TcpMssClamp.Apply(p, clamp);
                Assert.Equal(mss > clamp ? TcpMssClampResult.Clamped : TcpMssClampResult.AlreadySmaller, result);
                Assert.Equal(Math.Min(mss, clamp), Mss(p, nops));
                AssertChecksumValid(p);
            }, iter: 2000);
    }
}
