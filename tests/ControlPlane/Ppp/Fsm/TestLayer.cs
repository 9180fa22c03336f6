using System.Buffers.Binary;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Fsm;

namespace PptpGw.Tests.ControlPlane.Ppp.Fsm;

/// <summary>
/// A small protocol on top of the automaton, enough to drive every event: option 1 "Value" (Length 4,
/// 16-bit value, Nak'd when unacceptable), option 2 "Flag" (Length 2, Rejected when not accepted),
/// any other type Rejected. Extended codes follow LCP: 8 Protocol-Reject, 9 Echo-Request, 10 Echo-Reply,
/// 11 Discard-Request. Records the tl* callbacks in order.
/// </summary>
internal sealed class TestLayer : IPppFsmLayer
{
    public const byte ValueOption = 1;
    public const byte FlagOption = 2;

    /// <summary>Our Value option (adjusted by the peer's Naks).</summary>
    public ushort OurValue { get; set; } = 1000;
    public bool SendValue { get; set; } = true;
    public bool SendFlag { get; set; } = true;

    /// <summary>Values of the peer's Value option we accept; otherwise we Nak with <see cref="PreferredPeerValue"/>.</summary>
    public Func<ushort, bool> AcceptPeerValue { get; set; } = _ => true;
    public ushort PreferredPeerValue { get; set; } = 1000;
    public bool AcceptFlag { get; set; } = true;

    /// <summary>Extended codes whose Code-Reject is catastrophic.</summary>
    public HashSet<byte> EssentialExtendedCodes { get; } = [];

    public List<string> Calls { get; } = [];
    public ushort? PeerValue { get; private set; }
    public int EchoRepliesReceived { get; private set; }

    /// <summary>Run inside ThisLayerUp, e.g. to call back into the automaton.</summary>
    public Action? OnUp { get; set; }

    public int WriteConfigureRequest(Span<byte> options)
    {
        int n = 0;
        if (SendValue)
        {
            if (options.Length < n + 4) return -1;
            options[n] = ValueOption;
            options[n + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(options[(n + 2)..], OurValue);
            n += 4;
        }
        if (SendFlag)
        {
            if (options.Length < n + 2) return -1;
            options[n] = FlagOption;
            options[n + 1] = 2;
            n += 2;
        }
        return n;
    }

    public ConfigureVerdict JudgeConfigureRequest(ReadOnlySpan<byte> options, Span<byte> response, out int responseLength)
    {
        // Rejects take precedence over Naks (RFC 1661 §5.4: Nak only when all options are recognisable and acceptable for negotiation).
        int rejected = 0;
        for (int i = 0; i < options.Length;)
        {
            if (options.Length - i < 2 || options[i + 1] < 2 || options[i + 1] > options.Length - i)
            {
                responseLength = 0;
                return ConfigureVerdict.Discard;
            }
            ReadOnlySpan<byte> option = options.Slice(i, options[i + 1]);
            bool known = (option[0] == ValueOption && option.Length == 4) || (option[0] == FlagOption && option.Length == 2 && AcceptFlag);
            if (!known)
            {
                option.CopyTo(response[rejected..]);
                rejected += option.Length;
            }
            i += option.Length;
        }
        if (rejected > 0)
        {
            responseLength = rejected;
            return ConfigureVerdict.Reject;
        }

        int naked = 0;
        ushort? value = null;
        for (int i = 0; i < options.Length; i += options[i + 1])
        {
            if (options[i] != ValueOption)
                continue;
            ushort v = BinaryPrimitives.ReadUInt16BigEndian(options[(i + 2)..]);
            if (AcceptPeerValue(v))
            {
                value = v;
                continue;
            }
            response[naked] = ValueOption;
            response[naked + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(response[(naked + 2)..], PreferredPeerValue);
            naked += 4;
        }
        responseLength = naked;
        if (naked > 0)
            return ConfigureVerdict.Nak;
        PeerValue = value;
        return ConfigureVerdict.Ack;
    }

    public void ReceiveConfigureAck(ReadOnlySpan<byte> options) => Calls.Add("rca");

    public bool ReceiveConfigureNak(ReadOnlySpan<byte> options)
    {
        for (int i = 0; i < options.Length; i += options[i + 1])
        {
            if (options.Length - i < 2 || options[i + 1] < 2 || options[i + 1] > options.Length - i)
                return false;
            if (options[i] == ValueOption && options[i + 1] == 4)
                OurValue = BinaryPrimitives.ReadUInt16BigEndian(options[(i + 2)..]);
        }
        Calls.Add("rcn");
        return true;
    }

    public bool ReceiveConfigureReject(ReadOnlySpan<byte> options)
    {
        for (int i = 0; i < options.Length; i += options[i + 1])
        {
            if (options[i] == ValueOption) SendValue = false;
            if (options[i] == FlagOption) SendFlag = false;
        }
        Calls.Add("rcj");
        return true;
    }

    public void ThisLayerUp()
    {
        Calls.Add("tlu");
        OnUp?.Invoke();
    }

    public void ThisLayerDown() => Calls.Add("tld");
    public void ThisLayerStarted() => Calls.Add("tls");
    public void ThisLayerFinished() => Calls.Add("tlf");

    public ExtendedCodeResult ReceiveExtendedCode(PppControlPacket packet)
    {
        byte code = packet.Code;
        ReadOnlySpan<byte> data = packet.Data;
        switch (code)
        {
            case PppFsmCode.ProtocolReject:
                if (data.Length < 2)
                    return ExtendedCodeResult.Handled;
                // A Protocol-Reject of LCP (0xC021) itself is catastrophic, of anything else it is not (RFC 1661 §4.3).
                return BinaryPrimitives.ReadUInt16BigEndian(data) == 0xC021
                    ? ExtendedCodeResult.RejectCatastrophic
                    : ExtendedCodeResult.RejectPermitted;
            case PppFsmCode.EchoRequest:
            case PppFsmCode.DiscardRequest:
                return ExtendedCodeResult.EchoOrDiscard;
            case PppFsmCode.EchoReply:
                EchoRepliesReceived++;
                return ExtendedCodeResult.Handled;
            default:
                return ExtendedCodeResult.Unknown;
        }
    }

    public bool IsCodeRejectAcceptable(byte rejectedCode) => !EssentialExtendedCodes.Contains(rejectedCode);

    public int WriteEchoReply(byte requestCode, ReadOnlySpan<byte> requestData, Span<byte> replyData)
    {
        if (requestCode != PppFsmCode.EchoRequest)
            return -1;
        requestData.CopyTo(replyData);
        return requestData.Length;
    }
}
