using System.Text;
using PptpGw.ControlPlane.Aaa.Radius;

namespace PptpGw.Fuzz;

/// <summary>
/// A datagram from a RADIUS server (RFC 2865 §3-§5) as RadiusClient and the CoA server read it: the packet and its
/// attribute list, Vendor-Specific attributes (RFC 2865 §5.26) and Microsoft's (RFC 2548), the authenticator checks,
/// then RadiusAccessResult.FromReply: Reply-Message, Framed-IP, timeouts, Class, MS-MPPE-Send/Recv-Key and
/// MS-CHAP-MPPE-Keys decryption (RFC 2548 §2.4), MS-CHAP2-Success, MS-CHAP-Error.
/// </summary>
public static class RadiusTarget
{
    public static FuzzTarget Target { get; } = new("radius",
        "RadiusPacket.TryParse, attribute and Vendor-Specific enumerators, TryGetMicrosoftAttribute, Verify*Authenticator, CheckMessageAuthenticator, RadiusAccessResult.FromReply (key decryption)",
        Run, Seeds);

    // RFC 2865 §7.1: secret "xyzzy5461" and the request's authenticator.
    private static readonly byte[] Secret = "xyzzy5461"u8.ToArray();
    private static readonly byte[] RequestAuthenticator = Seed.Hex("0f403f9473978057bd83d5cb98f4227a");

    public static void Run(ReadOnlySpan<byte> input)
    {
        RadiusAttributeEnumerator.Validate(input.Length > RadiusPacket.HeaderLength ? input[RadiusPacket.HeaderLength..] : input);
        if (RadiusPacket.TryParse(input, out RadiusPacket packet) != RadiusPacketError.None)
            return;
        _ = (int)packet.Code + packet.Identifier + packet.Length + packet.Authenticator.Length;
        foreach (RadiusAttribute attribute in packet.Attributes)
        {
            _ = Encoding.UTF8.GetString(attribute.Value);
            if (attribute.Type == RadiusAttributeType.VendorSpecific
                && RadiusVendorSpecific.TryParse(attribute.Value, out uint vendor, out RadiusVendorAttributeEnumerator vsas) == RadiusVendorSpecificError.None)
            {
                foreach (RadiusVendorAttribute vsa in vsas)
                    _ = vendor + vsa.Type + vsa.Value.Length;
            }
        }
        _ = packet.CountAttributes(RadiusAttributeType.Class);
        packet.TryGetAttribute(RadiusAttributeType.ReplyMessage, out _);
        foreach (MicrosoftAttributeType type in Enum.GetValues<MicrosoftAttributeType>())
            packet.TryGetMicrosoftAttribute(type, out _);
        RadiusAuthenticator.VerifyResponseAuthenticator(packet.Raw, RequestAuthenticator, Secret);
        RadiusAuthenticator.VerifyRequestAuthenticator(packet.Raw, Secret);
        RadiusAuthenticator.CheckMessageAuthenticator(packet.Raw, RequestAuthenticator, Secret);
        RadiusAccessResult result = RadiusAccessResult.FromReply(packet, RequestAuthenticator, Secret, null);
        _ = result.HasMppeKeys;
        _ = result.ReplyMessage?.Length + result.MsChap2Success?.Length + result.MsChapError?.Length;
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // RFC 2865 §7.1 Access-Request and Access-Accept.
        yield return Seed.Hex("010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110050600000003");
        yield return Seed.Hex("0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103");
        // An MS-CHAPv2 Access-Accept as FreeRADIUS sends it: MS-MPPE keys (encrypted with the RFC 2548 §2.4.2 scheme),
        // policy and types, MS-CHAP2-Success, Framed-IP, Session-Timeout, Class, Reply-Message.
        byte[] send = new byte[RadiusAuthenticator.EncryptedMppeKeyLength(16)];
        byte[] recv = new byte[send.Length];
        RadiusAuthenticator.TryEncryptMppeKey(Seed.Hex("8B7CDC149B993A1BA118CB153F56DCCB"), 0x8001, Secret, RequestAuthenticator, send, out _);
        RadiusAuthenticator.TryEncryptMppeKey(Seed.Hex("D5F0E9521E3EA9589645E86051C82226"), 0x8002, Secret, RequestAuthenticator, recv, out _);
        yield return Packet(2,
            Ms(16, send), Ms(17, recv), Ms(7, [0, 0, 0, 1]), Ms(8, [0, 0, 0, 6]),
            Ms(26, [1, .. "S=407A5589115FD0D6209F510FE9C04566932CDA56"u8]),
            Attr(8, [198, 19, 0, 10]), Attr(27, [0, 0, 14, 16]), Attr(25, "class-1"u8.ToArray()), Attr(18, "Welcome"u8.ToArray()));
        // An Access-Reject with MS-CHAP-Error, and an MS-CHAP v1 accept with MS-CHAP-MPPE-Keys (32 octets, RFC 2548 §2.4.1).
        yield return Packet(3, Ms(2, [1, .. "E=691 R=1 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3"u8]), Attr(18, "denied"u8.ToArray()));
        byte[] keys = new byte[32];
        RadiusAuthenticator.TryEncryptMsChapMppeKeys(new byte[8], Seed.Hex("FDECE3717A8C838CB388E527AE3CDD31"), Secret, RequestAuthenticator, keys);
        yield return Packet(2, Ms(12, keys), Attr(26, [0, 0, 0, 9, 1, 6, 0, 0, 0, 1])); // + a Cisco VSA
        // CoA-Request (43) and Disconnect-Request (40) as a dynamic-authorization client sends them (RFC 5176).
        yield return Packet(43, Attr(44, "00000001"u8.ToArray()), Attr(1, "alice"u8.ToArray()), Attr(27, [0, 0, 0, 60]));
        yield return Packet(40, Attr(8, [198, 19, 0, 10]), Attr(80, new byte[16]));
    }

    private static byte[] Attr(byte type, byte[] value) => [type, (byte)(2 + value.Length), .. value];

    private static byte[] Ms(byte type, byte[] value) => Attr(26, [0, 0, 0x01, 0x37, type, (byte)(2 + value.Length), .. value]);

    private static byte[] Packet(byte code, params byte[][] attributes)
    {
        byte[] area = Seed.Concat(attributes);
        int length = RadiusPacket.HeaderLength + area.Length;
        return [code, 1, (byte)(length >> 8), (byte)length, .. RequestAuthenticator, .. area];
    }
}
