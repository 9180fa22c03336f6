using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Fuzz;

/// <summary>
/// A PPP frame as it comes out of GRE (after MPPE, when used): the framing (RFC 1661 §2, address/control and protocol
/// field compression of RFC 1661 §6.5-§6.6), the control packet header (RFC 1661 §5), an IPv4 header in the
/// information field, and the 'debug ppp io' rendering of the frame.
/// </summary>
public static class PppFrameTarget
{
    public static FuzzTarget Target { get; } = new("ppp-frame",
        "PppFrame.TryParse, PppControlPacket.TryParse, Ipv4Header.TryParse (checksum on and off), PixDebugText PPP lines",
        Run, Seeds);

    public static void Run(ReadOnlySpan<byte> input)
    {
        _ = PixDebugText.PppReceived(1, 1, input);
        if (PppFrame.TryParse(input, out PppFrame frame) != PppFrameError.None)
            return;
        _ = frame.Protocol + frame.HeaderLength + (frame.AddressControlPresent ? 1 : 0) + (frame.ProtocolCompressed ? 1 : 0);
        _ = PppProtocol.IsValid(frame.Protocol) && PppProtocol.IsNetworkLayer(frame.Protocol);
        ReadOnlySpan<byte> information = frame.Information;
        if (PppControlPacket.TryParse(information, out PppControlPacket packet) == PppPacketError.None)
            _ = packet.Code + packet.Identifier + packet.Length + packet.Data.Length;
        Ipv4Header.TryParse(information, out _, verifyChecksum: false);
        if (Ipv4Header.TryParse(information, out Ipv4Header ip) == Ipv4Error.None)
        {
            _ = ip.Options.Length + ip.Payload.Length + (ip.IsFragment ? 1 : 0);
            _ = PixDebugText.PppIpPacket(information);
        }
        else
        {
            _ = PixDebugText.PppEncryptedPacket(information);
        }
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // The reference guide's frames ("data: ff03..."), uncompressed and with ACFC/PFC, and an IPv4 packet (RFC 791).
        yield return Seed.Hex("ff03c021010100130305c2238005065a899b2307020802");
        yield return Seed.Hex("ff03c0210201000e0506447e217e07020802");
        yield return Seed.Hex("ff03c2230101000d08f3686cc47e37ce67");
        yield return Seed.Hex("ff0380fd0101000a120601000020");
        yield return Seed.Hex("ff0380210101000a0306ac127c98");
        yield return Seed.Hex("ff0300fd9000bccf59b71755d9af7330dae3bbc94d28");
        yield return Seed.Hex("ff0300214500001cc80000008001e5ccac100101e0000002 0800f7ff00000000");
        yield return Seed.Hex("214500001cc80000008001e5ccac100101e0000002 0800f7ff00000000");
        yield return Seed.Hex("c0210c020012447e217e4d5352415356352e3030");
    }
}
