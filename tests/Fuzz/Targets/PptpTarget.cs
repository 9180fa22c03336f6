using PptpGw.ControlPlane.Pptp;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Fuzz;

/// <summary>
/// The TCP 1723 byte stream as PptpControlConnection reads it: PptpStreamFramer splits it (RFC 2637 §2), each whole
/// message goes through the header check and its type's parser under both reserved-field policies; what parses is
/// rendered for the log and debug lines and written back (the writer must accept whatever the parser produced).
/// The client's decoder (src/Client) reads the same messages from the PNS.
/// </summary>
public static class PptpTarget
{
    public static FuzzTarget Target { get; } = new("pptp",
        "PptpStreamFramer.Peek, PptpControlHeader.TryParse, the 15 RFC 2637 message parsers (both PptpReservedFieldPolicy), PptpString.ToLogString, PptpDebugText, Client ControlMessage.Decode",
        Run, Seeds);

    public static void Run(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> rest = input;
        for (int guard = 0; guard < 1000; guard++)
        {
            PptpFrameStatus status = PptpStreamFramer.Peek(rest, out int length);
            if (status != PptpFrameStatus.Complete)
            {
                if (status.IsCorrupt())
                    _ = PptpDebugText.PacketHex(1, PptpMessageDirection.In, rest);
                // The stream would wait for more or close: try the rest as one message anyway (a truncated peer).
                Message(rest);
                return;
            }
            Message(rest[..length]);
            rest = rest[length..];
        }
    }

    private static void Message(ReadOnlySpan<byte> frame)
    {
        _ = PptpDebugText.PacketHex(7, PptpMessageDirection.In, frame);
        PptpControlHeader.TryParse(frame, out PptpControlHeader header);
        _ = PptpDebugText.PacketType(7, 3, PptpMessageDirection.In, header.ControlMessageType);
        _ = header.ControlMessageType.Abbreviation();
        _ = PptpGw.Client.ControlMessage.Decode(frame, out _);
        foreach (PptpReservedFieldPolicy policy in (ReadOnlySpan<PptpReservedFieldPolicy>)[PptpReservedFieldPolicy.Tolerate, PptpReservedFieldPolicy.Reject])
        {
            if (StartControlConnectionRequest.TryParse(frame, out var sccrq, policy) == PptpParseError.None)
            {
                _ = PptpString.ToLogString(sccrq.HostName) + PptpString.ToLogString(sccrq.VendorString);
                WriteBack(sccrq);
            }
            if (StartControlConnectionReply.TryParse(frame, out var sccrp, policy) == PptpParseError.None)
            {
                _ = PptpString.ToLogString(sccrp.HostName) + PptpString.ToLogString(sccrp.VendorString);
                WriteBack(sccrp);
            }
            if (StopControlConnectionRequest.TryParse(frame, out var stopRq, policy) == PptpParseError.None)
                WriteBack(stopRq);
            if (StopControlConnectionReply.TryParse(frame, out var stopRp, policy) == PptpParseError.None)
                WriteBack(stopRp);
            if (EchoRequest.TryParse(frame, out var echoRq, policy) == PptpParseError.None)
                WriteBack(echoRq);
            if (EchoReply.TryParse(frame, out var echoRp, policy) == PptpParseError.None)
                WriteBack(echoRp);
            if (OutgoingCallRequest.TryParse(frame, out var ocrq, policy) == PptpParseError.None)
            {
                _ = PptpString.ToLogString(ocrq.PhoneNumber) + PptpString.ToLogString(ocrq.Subaddress);
                WriteBack(ocrq);
            }
            if (OutgoingCallReply.TryParse(frame, out var ocrp, policy) == PptpParseError.None)
                WriteBack(ocrp);
            if (IncomingCallRequest.TryParse(frame, out var icrq, policy) == PptpParseError.None)
            {
                _ = PptpString.ToLogString(icrq.DialedNumber) + PptpString.ToLogString(icrq.DialingNumber) + PptpString.ToLogString(icrq.Subaddress);
                WriteBack(icrq);
            }
            if (IncomingCallReply.TryParse(frame, out var icrp, policy) == PptpParseError.None)
                WriteBack(icrp);
            if (IncomingCallConnected.TryParse(frame, out var iccn, policy) == PptpParseError.None)
                WriteBack(iccn);
            if (CallClearRequest.TryParse(frame, out var ccrq, policy) == PptpParseError.None)
                WriteBack(ccrq);
            if (CallDisconnectNotify.TryParse(frame, out var cdn, policy) == PptpParseError.None)
            {
                _ = PptpString.ToLogString(cdn.CallStatistics);
                WriteBack(cdn);
            }
            if (WanErrorNotify.TryParse(frame, out var wen, policy) == PptpParseError.None)
                WriteBack(wen);
            if (SetLinkInfo.TryParse(frame, out var sli, policy) == PptpParseError.None)
                WriteBack(sli);
        }
    }

    /// <summary>A parsed message must write back into a buffer of its length (the writer's checks hold for parser output).</summary>
    private static void WriteBack<T>(in T message) where T : IPptpControlMessage<T>, allows ref struct
    {
        byte[] buffer = new byte[T.MessageLength];
        if (!message.TryWrite(buffer))
            throw new InvalidOperationException($"{T.Type}: a parsed message does not write back");
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // The reference guide's "debug vpdn packet" captures (first 22 octets: the PIX prints no more).
        yield return Seed.Hex("009c00011a2b3c4d0001000001000000000000010000");
        yield return Seed.Hex("009c00011a2b3c4d0002000001000100000000030000");
        yield return Seed.Hex("00a800011a2b3c4d00070000000000000000dac00000");
        yield return Seed.Hex("002000011a2b3c4d00080000002a00000100000000fa");
        yield return Seed.Hex("00a800011a2b3c4d000700004000e4f50000012c05f5");
        yield return Seed.Hex("002000011a2b3c4d00080000000940000100000000fa");
        yield return Seed.Hex("001800011a2b3c4d000f000000090000ffffffffffff");
        yield return Seed.Hex("001800011a2b3c4d000f000000090000000000000000");
        // Every message type whole, at its fixed length, as a well-formed message with plausible fields.
        var all = new List<byte>();
        for (ushort type = 1; type <= 15; type++)
        {
            byte[] message = WellFormed((PptpControlMessageType)type);
            all.AddRange(message);
            yield return message;
        }
        // A whole conversation in one stream (the framer's loop).
        yield return [.. all];
    }

    internal static byte[] WellFormed(PptpControlMessageType type)
    {
        int length = PptpControlMessage.FixedLength(type);
        byte[] m = new byte[length];
        PptpControlHeader.TryWrite(m, type);
        switch (type)
        {
            case PptpControlMessageType.StartControlConnectionRequest:
            case PptpControlMessageType.StartControlConnectionReply:
                m[12] = 1; // protocol version 1.0
                m[14] = 1; // result code (reply)
                m[19] = 3; // framing capabilities
                m[23] = 3; // bearer capabilities
                "pptp-client"u8.CopyTo(m.AsSpan(28));
                "linux"u8.CopyTo(m.AsSpan(92));
                break;
            case PptpControlMessageType.OutgoingCallRequest:
                m[12] = 0x40; m[15] = 1; // call id, serial
                m[19] = 0x2c; m[21] = 0x05; m[22] = 0xf5; // min/max bps
                m[27] = 3; m[31] = 3; m[32] = 0x00; m[33] = 0x40; // bearer, framing, window 64
                m[37] = 4; "1234"u8.CopyTo(m.AsSpan(40));
                break;
            case PptpControlMessageType.CallDisconnectNotify:
                m[14] = 3;
                "statistics"u8.CopyTo(m.AsSpan(20));
                break;
            default:
                if (length > 13)
                    m[13] = 9;
                break;
        }
        return m;
    }
}
