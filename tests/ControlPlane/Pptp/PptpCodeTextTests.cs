using PptpGw.ControlPlane.Pptp;

namespace PptpGw.Tests.ControlPlane.Pptp;

public class PptpCodeTextTests
{
    [Fact]
    public void CodesRenderAsTheRfcText()
    {
        Assert.Equal("2 (Bad-Format) Length is wrong or Magic Cookie value is incorrect", PptpGeneralErrorCode.BadFormat.ToRfcText());
        Assert.Equal("5 (Bad-Call ID) The Call ID is invalid in this context", PptpGeneralErrorCode.BadCallId.ToRfcText());
        Assert.Equal("5 The protocol version of the requester is not supported", StartControlConnectionResultCode.ProtocolVersionNotSupported.ToRfcText());
        Assert.Equal("3 (Stop-Local-Shutdown) Requester is being shut down", StopControlConnectionReason.StopLocalShutdown.ToRfcText());
        Assert.Equal("1 (OK) Control connection closed", StopControlConnectionResultCode.Ok.ToRfcText());
        Assert.Equal("1 (OK) The Echo-Reply is valid", EchoReplyResultCode.Ok.ToRfcText());
        Assert.Equal("4 (Busy) Outgoing Call failed due to detection of a busy signal", OutgoingCallResultCode.Busy.ToRfcText());
        Assert.Equal("7 (Do Not Accept) Outgoing Call administratively prohibited", OutgoingCallResultCode.DoNotAccept.ToRfcText());
        Assert.Equal("1 (Connect) The PAC should answer the incoming call", IncomingCallResultCode.Connect.ToRfcText());
        Assert.Equal("4 (Request) Call disconnected due to received Call-Clear-Request", CallDisconnectResultCode.Request.ToRfcText());
    }

    [Fact]
    public void EveryDefinedCodeHasItsOwnTextStartingWithItsValue()
    {
        AssertTexts<PptpGeneralErrorCode>(c => c.ToRfcText(), 7);
        AssertTexts<StartControlConnectionResultCode>(c => c.ToRfcText(), 5);
        AssertTexts<StopControlConnectionReason>(c => c.ToRfcText(), 3);
        AssertTexts<StopControlConnectionResultCode>(c => c.ToRfcText(), 2);
        AssertTexts<EchoReplyResultCode>(c => c.ToRfcText(), 2);
        AssertTexts<OutgoingCallResultCode>(c => c.ToRfcText(), 7);
        AssertTexts<IncomingCallResultCode>(c => c.ToRfcText(), 3);
        AssertTexts<CallDisconnectResultCode>(c => c.ToRfcText(), 4);
    }

    private static void AssertTexts<T>(Func<T, string> render, int count) where T : struct, Enum
    {
        T[] values = Enum.GetValues<T>();
        Assert.Equal(count, values.Length);
        var texts = values.Select(render).ToArray();
        Assert.Equal(count, texts.Distinct().Count());
        for (int i = 0; i < values.Length; i++)
        {
            Assert.StartsWith(Convert.ToByte(values[i], System.Globalization.CultureInfo.InvariantCulture) + " ", texts[i], StringComparison.Ordinal);
            Assert.DoesNotContain("unknown", texts[i], StringComparison.Ordinal);
        }
        // A value the RFC does not define (peer garbage) is rendered, not thrown on.
        string undefined = render((T)Enum.ToObject(typeof(T), 200));
        Assert.StartsWith("200 (unknown ", undefined, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageTypesHaveRfcNamesAndAbbreviations()
    {
        Assert.Equal("Start-Control-Connection-Request", PptpControlMessageType.StartControlConnectionRequest.RfcName());
        Assert.Equal("WAN-Error-Notify", PptpControlMessageType.WanErrorNotify.RfcName());
        Assert.Equal("SLI", PptpControlMessageType.SetLinkInfo.Abbreviation());
        var types = Enum.GetValues<PptpControlMessageType>();
        Assert.Equal(15, types.Length);
        Assert.Equal(15, types.Select(t => t.RfcName()).Distinct().Count());
        Assert.Equal(15, types.Select(t => t.Abbreviation()).Distinct().Count());
        Assert.Equal("Unknown", ((PptpControlMessageType)16).RfcName());
    }

    [Fact]
    public void FixedLengthsAreThoseOfTheRfcDiagrams()
    {
        // Counted from the 32-bit rows of RFC 2637 §2.1–§2.15 (12-octet header + body).
        (PptpControlMessageType Type, int Length)[] expected =
        [
            (PptpControlMessageType.StartControlConnectionRequest, 156), (PptpControlMessageType.StartControlConnectionReply, 156),
            (PptpControlMessageType.StopControlConnectionRequest, 16), (PptpControlMessageType.StopControlConnectionReply, 16),
            (PptpControlMessageType.EchoRequest, 16), (PptpControlMessageType.EchoReply, 20),
            (PptpControlMessageType.OutgoingCallRequest, 168), (PptpControlMessageType.OutgoingCallReply, 32),
            (PptpControlMessageType.IncomingCallRequest, 220), (PptpControlMessageType.IncomingCallReply, 24),
            (PptpControlMessageType.IncomingCallConnected, 28), (PptpControlMessageType.CallClearRequest, 16),
            (PptpControlMessageType.CallDisconnectNotify, 148), (PptpControlMessageType.WanErrorNotify, 40),
            (PptpControlMessageType.SetLinkInfo, 24),
        ];
        foreach (var (type, length) in expected)
            Assert.Equal(length, PptpControlMessage.FixedLength(type));
        Assert.Equal(PptpControlMessage.MaximumLength, expected.Max(e => e.Length));
        Assert.Equal(PptpControlMessage.MinimumLength, expected.Min(e => e.Length));
    }
}
