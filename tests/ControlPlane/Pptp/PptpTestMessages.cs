using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.ControlPlane.Pptp;

/// <summary>Per-type helpers shared by the PPTP tests: dispatch to the right parser, and the RFC's reserved octets.</summary>
internal static class PptpTestMessages
{
    public static readonly PptpControlMessageType[] AllTypes = Enum.GetValues<PptpControlMessageType>();

    public static TheoryData<PptpControlMessageType> AllTypesData()
    {
        var data = new TheoryData<PptpControlMessageType>();
        foreach (var type in AllTypes)
            data.Add(type);
        return data;
    }

    /// <summary>
    /// Offsets of the Reserved fields of each message, read off the RFC 2637 §2.1–§2.15 diagrams
    /// (Reserved0 at 10–11 is common to all).
    /// </summary>
    public static int[] ReservedOffsets(PptpControlMessageType type) => type switch
    {
        PptpControlMessageType.StartControlConnectionRequest => [10, 11, 14, 15],
        PptpControlMessageType.StartControlConnectionReply => [10, 11],
        PptpControlMessageType.StopControlConnectionRequest => [10, 11, 13, 14, 15],
        PptpControlMessageType.StopControlConnectionReply => [10, 11, 14, 15],
        PptpControlMessageType.EchoRequest => [10, 11],
        PptpControlMessageType.EchoReply => [10, 11, 18, 19],
        PptpControlMessageType.OutgoingCallRequest => [10, 11, 38, 39],
        PptpControlMessageType.OutgoingCallReply => [10, 11],
        PptpControlMessageType.IncomingCallRequest => [10, 11],
        PptpControlMessageType.IncomingCallReply => [10, 11, 22, 23],
        PptpControlMessageType.IncomingCallConnected => [10, 11, 14, 15],
        PptpControlMessageType.CallClearRequest => [10, 11, 14, 15],
        PptpControlMessageType.CallDisconnectNotify => [10, 11, 18, 19],
        PptpControlMessageType.WanErrorNotify => [10, 11, 14, 15],
        PptpControlMessageType.SetLinkInfo => [10, 11, 14, 15],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>A valid message of <paramref name="type"/> with every field 0 (all-zero bodies are valid for every type).</summary>
    public static byte[] ZeroBody(PptpControlMessageType type)
    {
        byte[] message = new byte[PptpControlMessage.FixedLength(type)];
        Assert.True(PptpControlHeader.TryWrite(message, type));
        return message;
    }

    /// <summary>The outcome of one parser: its error, the reserved flag, and the parsed message written again (on success).</summary>
    public readonly record struct Outcome(PptpParseError Error, bool ReservedFieldsNonZero, byte[]? Rewritten);

    public static Outcome Parse<T>(ReadOnlySpan<byte> input, PptpReservedFieldPolicy policy) where T : IPptpControlMessage<T>, allows ref struct
    {
        PptpParseError error = T.TryParse(input, out T message, policy);
        byte[]? rewritten = null;
        if (error is PptpParseError.None or PptpParseError.ReservedFieldNonZero)
        {
            rewritten = new byte[T.MessageLength];
            Assert.True(message.TryWrite(rewritten));
        }
        return new Outcome(error, message.ReservedFieldsNonZero, rewritten);
    }

    /// <summary>Runs the parser of <paramref name="type"/> on <paramref name="input"/>.</summary>
    public static Outcome ParseAs(PptpControlMessageType type, ReadOnlySpan<byte> input,
        PptpReservedFieldPolicy policy = PptpReservedFieldPolicy.Tolerate) => type switch
    {
        PptpControlMessageType.StartControlConnectionRequest => Parse<StartControlConnectionRequest>(input, policy),
        PptpControlMessageType.StartControlConnectionReply => Parse<StartControlConnectionReply>(input, policy),
        PptpControlMessageType.StopControlConnectionRequest => Parse<StopControlConnectionRequest>(input, policy),
        PptpControlMessageType.StopControlConnectionReply => Parse<StopControlConnectionReply>(input, policy),
        PptpControlMessageType.EchoRequest => Parse<EchoRequest>(input, policy),
        PptpControlMessageType.EchoReply => Parse<EchoReply>(input, policy),
        PptpControlMessageType.OutgoingCallRequest => Parse<OutgoingCallRequest>(input, policy),
        PptpControlMessageType.OutgoingCallReply => Parse<OutgoingCallReply>(input, policy),
        PptpControlMessageType.IncomingCallRequest => Parse<IncomingCallRequest>(input, policy),
        PptpControlMessageType.IncomingCallReply => Parse<IncomingCallReply>(input, policy),
        PptpControlMessageType.IncomingCallConnected => Parse<IncomingCallConnected>(input, policy),
        PptpControlMessageType.CallClearRequest => Parse<CallClearRequest>(input, policy),
        PptpControlMessageType.CallDisconnectNotify => Parse<CallDisconnectNotify>(input, policy),
        PptpControlMessageType.WanErrorNotify => Parse<WanErrorNotify>(input, policy),
        PptpControlMessageType.SetLinkInfo => Parse<SetLinkInfo>(input, policy),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
