using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.ControlPlane.Pptp;

/// <summary>
/// The PIX 6.3 reference guide (/work/shared/reference/000_78fc8e2d733fd35b.txt) prints the first 22 octets
/// of each control message it receives ("CC I …") or sends ("cc snddata … data: …"), followed by "...",
/// and decodes the fields in its debug text. These tests parse those real prefixes.
/// Approach: the header is parsed from the prefix itself with the header-only parser
/// (<see cref="PptpControlHeader.TryParse"/>, which needs 12 octets); the whole-message parser is shown to
/// reject the bare prefix as truncated; then the prefix is padded with zeros to the Length it announces and
/// parsed, and only fields lying inside the 22 captured octets are asserted. A field cut by the prefix
/// boundary is asserted on its captured high-order octets only.
/// </summary>
public class PptpReferenceCaptureTests
{
    private const int CapturedOctets = 22;

    // Tunnel 42 (Windows 9x client "local"/"9x"), reference lines "Tnl 42 PPTP: CC I 009c…" etc.
    private const string Sccrq42 = "009c00011a2b3c4d0001000001000000000000010000";
    private const string Sccrp42 = "009c00011a2b3c4d0002000001000100000000030000";
    private const string Ocrq42 = "00a800011a2b3c4d00070000000000000000dac00000";
    private const string Ocrp42 = "002000011a2b3c4d00080000002a00000100000000fa";
    // Tunnel 9 (Windows NT client), same messages plus two Set-Link-Info.
    private const string Ocrq9 = "00a800011a2b3c4d000700004000e4f50000012c05f5";
    private const string Ocrp9 = "002000011a2b3c4d00080000000940000100000000fa";
    private const string Sli9First = "001800011a2b3c4d000f000000090000ffffffffffff";
    private const string Sli9Second = "001800011a2b3c4d000f000000090000000000000000";

    /// <summary>Header-only parse of the prefix, whole-message parse rejecting it, then the zero-padded message.</summary>
    private static byte[] Padded(string hex, PptpControlMessageType expectedType, int expectedLength)
    {
        byte[] prefix = Convert.FromHexString(hex);
        Assert.Equal(CapturedOctets, prefix.Length);

        Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(prefix, out PptpControlHeader header));
        Assert.Equal(expectedLength, header.Length);
        Assert.Equal(PptpMessageType.ControlMessage, header.MessageType);
        Assert.Equal(PptpControlMessage.MagicCookie, header.MagicCookie);
        Assert.Equal(expectedType, header.ControlMessageType);
        Assert.Equal(0, header.Reserved0);

        // The framer sees a message that is not complete yet, and knows how long it will be.
        Assert.Equal(PptpFrameStatus.Incomplete, PptpStreamFramer.Peek(prefix, out int needed));
        Assert.Equal(expectedLength, needed);

        byte[] padded = new byte[header.Length];
        prefix.CopyTo(padded, 0);
        return padded;
    }

    [Fact]
    public void StartControlConnectionRequest_Tunnel42()
    {
        // Debug: "protocol version 0x100", "framing caps 0x1", "bearer caps 0x1"; "cc rcv 156 bytes of data".
        byte[] prefix = Convert.FromHexString(Sccrq42);
        Assert.Equal(PptpParseError.LengthExceedsData, StartControlConnectionRequest.TryParse(prefix, out _));

        byte[] m = Padded(Sccrq42, PptpControlMessageType.StartControlConnectionRequest, 156);
        Assert.Equal(PptpParseError.None, StartControlConnectionRequest.TryParse(m, out var sccrq, PptpReservedFieldPolicy.Reject));
        Assert.Equal(0x0100, sccrq.ProtocolVersion);
        Assert.Equal(PptpControlMessage.ProtocolVersion, sccrq.ProtocolVersion);
        Assert.Equal(PptpFramingCapabilities.Asynchronous, sccrq.FramingCapabilities); // 0x1
        Assert.False(sccrq.ReservedFieldsNonZero); // Reserved1 = 0000 is inside the prefix
        // Bearer Capabilities (octets 20-23) is cut after 2 octets: its high half is 0, consistent with 0x1.
        Assert.Equal(0u, (uint)sccrq.BearerCapabilities >> 16);
    }

    [Fact]
    public void StartControlConnectionReply_Tunnel42()
    {
        // "CC O SCCRP … cc snddata, socket fd=1, len=156".
        byte[] m = Padded(Sccrp42, PptpControlMessageType.StartControlConnectionReply, 156);
        Assert.Equal(PptpParseError.None, StartControlConnectionReply.TryParse(m, out var sccrp, PptpReservedFieldPolicy.Reject));
        Assert.Equal(PptpControlMessage.ProtocolVersion, sccrp.ProtocolVersion);
        Assert.Equal(StartControlConnectionResultCode.Successful, sccrp.ResultCode);
        Assert.Equal(PptpGeneralErrorCode.None, sccrp.ErrorCode);
        Assert.Equal(PptpFramingCapabilities.Asynchronous | PptpFramingCapabilities.Synchronous, sccrp.FramingCapabilities); // 3
        Assert.Equal(0u, (uint)sccrp.BearerCapabilities >> 16);
    }

    [Fact]
    public void OutgoingCallRequest_Tunnel42()
    {
        // Debug: "call id 0x0", "serial num 0", "min bps 56000:0xdac0", "max bps 64000:0xfa00"; 168 bytes.
        byte[] m = Padded(Ocrq42, PptpControlMessageType.OutgoingCallRequest, 168);
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(m, out var ocrq));
        Assert.Equal(0x0, ocrq.CallId);
        Assert.Equal(0, ocrq.CallSerialNumber);
        Assert.Equal(56000u, ocrq.MinimumBps);
        Assert.Equal(0xdac0u, ocrq.MinimumBps);
        // Maximum BPS (octets 20-23) is cut after 2 octets: 64000 = 0x0000fa00 has high half 0.
        Assert.Equal(64000u >> 16, ocrq.MaximumBps >> 16);
    }

    [Fact]
    public void OutgoingCallRequest_Tunnel9()
    {
        // Debug: "call id 0x4000", "serial num 58613", "min bps 300:0x12c", "max BPS 100000000:0x5f5e100".
        byte[] m = Padded(Ocrq9, PptpControlMessageType.OutgoingCallRequest, 168);
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(m, out var ocrq));
        Assert.Equal(0x4000, ocrq.CallId);
        Assert.Equal(58613, ocrq.CallSerialNumber);
        Assert.Equal(300u, ocrq.MinimumBps);
        Assert.Equal(100000000u >> 16, ocrq.MaximumBps >> 16); // captured 05f5 of 0x05f5e100
    }

    [Fact]
    public void OutgoingCallReply_Tunnel42_AnswersCallId0()
    {
        // "l2x store session: tunnel id 42, session id 42"; "CC O OCRP … Len=32".
        byte[] request = Padded(Ocrq42, PptpControlMessageType.OutgoingCallRequest, 168);
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(request, out var ocrq));
        byte[] m = Padded(Ocrp42, PptpControlMessageType.OutgoingCallReply, 32);
        Assert.Equal(PptpParseError.None, OutgoingCallReply.TryParse(m, out var ocrp, PptpReservedFieldPolicy.Reject));
        Assert.Equal(42, ocrp.CallId); // 0x002a, the session id
        Assert.Equal(ocrq.CallId, ocrp.PeersCallId);
        Assert.Equal(OutgoingCallResultCode.Connected, ocrp.ResultCode);
        Assert.Equal(PptpGeneralErrorCode.None, ocrp.ErrorCode);
        Assert.Equal(0, ocrp.CauseCode);
        Assert.Equal(0x00fau, ocrp.ConnectSpeed >> 16); // Connect Speed is cut after its first 2 octets, 00 fa
    }

    [Fact]
    public void OutgoingCallReply_Tunnel9_AnswersCallId0x4000()
    {
        byte[] request = Padded(Ocrq9, PptpControlMessageType.OutgoingCallRequest, 168);
        Assert.Equal(PptpParseError.None, OutgoingCallRequest.TryParse(request, out var ocrq));
        byte[] m = Padded(Ocrp9, PptpControlMessageType.OutgoingCallReply, 32);
        Assert.Equal(PptpParseError.None, OutgoingCallReply.TryParse(m, out var ocrp, PptpReservedFieldPolicy.Reject));
        Assert.Equal(9, ocrp.CallId); // "session id 9"
        Assert.Equal(0x4000, ocrp.PeersCallId);
        Assert.Equal(ocrq.CallId, ocrp.PeersCallId);
        Assert.Equal(OutgoingCallResultCode.Connected, ocrp.ResultCode);
        Assert.Equal(PptpGeneralErrorCode.None, ocrp.ErrorCode);
        Assert.Equal(0, ocrp.CauseCode);
        Assert.Equal(0x00fau, ocrp.ConnectSpeed >> 16);
    }

    [Fact]
    public void SetLinkInfo_Tunnel9_FirstCarriesDefaultAccm()
    {
        // "cc rcv 24 bytes of data … CC I SLI" (Tnl/CL 9/9). The client addresses the PIX's Call ID 9.
        byte[] reply = Padded(Ocrp9, PptpControlMessageType.OutgoingCallReply, 32);
        Assert.Equal(PptpParseError.None, OutgoingCallReply.TryParse(reply, out var ocrp));
        byte[] m = Padded(Sli9First, PptpControlMessageType.SetLinkInfo, 24);
        Assert.Equal(PptpParseError.None, SetLinkInfo.TryParse(m, out var sli, PptpReservedFieldPolicy.Reject));
        Assert.Equal(9, sli.PeersCallId);
        Assert.Equal(ocrp.CallId, sli.PeersCallId);
        Assert.Equal(0xFFFFFFFFu, sli.SendAccm);
        Assert.Equal(0xFFFFu, sli.ReceiveAccm >> 16); // cut after 2 octets
    }

    [Fact]
    public void SetLinkInfo_Tunnel9_SecondCarriesZeroAccm()
    {
        // The client's second SLI, sent once LCP has opened, sets both ACCMs to 0.
        byte[] m = Padded(Sli9Second, PptpControlMessageType.SetLinkInfo, 24);
        Assert.Equal(PptpParseError.None, SetLinkInfo.TryParse(m, out var sli, PptpReservedFieldPolicy.Reject));
        Assert.Equal(9, sli.PeersCallId);
        Assert.Equal(0u, sli.SendAccm);
        Assert.Equal(0u, sli.ReceiveAccm >> 16);
    }

    [Fact]
    public void CapturedHeadersMatchTheMessageCodesNamedByTheGuide()
    {
        // The guide annotates "message code bytes 9 & 10 = 0001/0002/0007/0008" and prints the
        // abbreviations used by Abbreviation().
        (string Hex, string Abbreviation)[] captures =
        [
            (Sccrq42, "SCCRQ"), (Sccrp42, "SCCRP"), (Ocrq42, "OCRQ"), (Ocrp42, "OCRP"),
            (Ocrq9, "OCRQ"), (Ocrp9, "OCRP"), (Sli9First, "SLI"), (Sli9Second, "SLI"),
        ];
        foreach (var (hex, abbreviation) in captures)
        {
            Assert.Equal(PptpParseError.None, PptpControlHeader.TryParse(Convert.FromHexString(hex), out var header));
            Assert.Equal(abbreviation, header.ControlMessageType.Abbreviation());
            Assert.Equal(PptpControlMessage.FixedLength(header.ControlMessageType), header.Length);
        }
    }
}
