using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.Tests.ControlPlane.Ppp.Ccp;

public sealed class CcpLayerTests
{
    private sealed class NoEvents : IPppLayerEvents;

    /// <summary>The peer's request with option 18 = <paramref name="bits"/>, judged by a layer with <paramref name="policy"/>.</summary>
    private static (ConfigureVerdict Verdict, uint Bits) Judge(MppePolicy policy, uint bits, CcpLayer? layer = null)
    {
        layer ??= new CcpLayer(policy, new NoEvents()) { MppeAvailable = true };
        byte[] request = [18, 6, (byte)(bits >> 24), (byte)(bits >> 16), (byte)(bits >> 8), (byte)bits];
        byte[] response = new byte[64];
        ConfigureVerdict verdict = layer.JudgeConfigureRequest(request, response, out int length);
        uint answer = verdict == ConfigureVerdict.Nak
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(2, length - 2))
            : bits;
        return (verdict, answer);
    }

    [Theory]
    // Windows' first request H + MPPC: Nak with H + our single best (the PIX, 40-bit only: 0x01000020).
    [InlineData(MppeSupportedBits.Encryption40Bit, true, 0x01000001u, ConfigureVerdict.Nak, 0x01000020u)]
    [InlineData(MppePolicy.StrengthBits, true, 0x01000001u, ConfigureVerdict.Nak, 0x01000040u)]
    // Everything offered: the strongest of the intersection.
    [InlineData(MppePolicy.StrengthBits, true, 0x010000E0u, ConfigureVerdict.Nak, 0x01000040u)]
    [InlineData(MppeSupportedBits.Encryption40Bit | MppeSupportedBits.Encryption56Bit, true, 0x010000E0u, ConfigureVerdict.Nak, 0x01000080u)]
    // The D bit and C bit are never acknowledged.
    [InlineData(MppePolicy.StrengthBits, true, 0x01000050u, ConfigureVerdict.Nak, 0x01000040u)]
    // Exactly what we want: Ack.
    [InlineData(MppePolicy.StrengthBits, true, 0x01000040u, ConfigureVerdict.Ack, 0x01000040u)]
    [InlineData(MppePolicy.StrengthBits, false, 0x00000040u, ConfigureVerdict.Ack, 0x00000040u)]
    // A stateless offer is steered to stateful when we prefer stateful (pppd's mppe-stateful client asks H first).
    [InlineData(MppePolicy.StrengthBits, false, 0x01000040u, ConfigureVerdict.Nak, 0x00000040u)]
    // Nothing in common: suggest ours.
    [InlineData(MppeSupportedBits.Encryption128Bit, true, 0x01000020u, ConfigureVerdict.Nak, 0x01000040u)]
    public void PeerRequestsAreJudgedToOneStrength(MppeSupportedBits allowed, bool stateless, uint offered, ConfigureVerdict verdict, uint answer)
    {
        var result = Judge(new MppePolicy(allowed, false, stateless), offered);
        Assert.Equal(verdict, result.Verdict);
        Assert.Equal(answer, result.Bits);
    }

    [Fact]
    public void APeerInsistingOnStatefulGetsIt()
    {
        var policy = new MppePolicy(MppePolicy.StrengthBits, false, PreferStateless: true);
        var layer = new CcpLayer(policy, new NoEvents()) { MppeAvailable = true };
        Assert.Equal((ConfigureVerdict.Nak, 0x01000040u), Judge(policy, 0x00000040u, layer));
        Assert.Equal((ConfigureVerdict.Ack, 0x00000040u), Judge(policy, 0x00000040u, layer));
    }

    [Fact]
    public void APeerInsistingOnStatelessGetsIt()
    {
        var policy = new MppePolicy(MppePolicy.StrengthBits, false, PreferStateless: false);
        var layer = new CcpLayer(policy, new NoEvents()) { MppeAvailable = true };
        Assert.Equal((ConfigureVerdict.Nak, 0x00000040u), Judge(policy, 0x01000040u, layer));
        Assert.Equal((ConfigureVerdict.Ack, 0x01000040u), Judge(policy, 0x01000040u, layer));
    }

    [Fact]
    public void PreferringStatefulBothDirectionsOpenStatefulWithAPeerThatTakesTheNak()
    {
        // pppd 2.4.9 with mppe-stateful: requests H + S, takes our Nak to stateful, acks our stateful request.
        var policy = new MppePolicy(MppeSupportedBits.Encryption128Bit, true, PreferStateless: false);
        var layer = new CcpLayer(policy, new NoEvents()) { MppeAvailable = true };
        byte[] ours = new byte[16];
        int length = layer.WriteConfigureRequest(ours);
        Assert.Equal(Convert.FromHexString("120600000040"), ours[..length]);
        Assert.Equal((ConfigureVerdict.Nak, 0x00000040u), Judge(policy, 0x01000040u, layer));
        Assert.Equal((ConfigureVerdict.Ack, 0x00000040u), Judge(policy, 0x00000040u, layer));
        layer.ReceiveConfigureAck(ours.AsSpan(0, length));
        layer.ThisLayerUp();
        Assert.Equal(new MppeNegotiation(PptpGw.Dataplane.Mppe.MppeKeyStrength.Bits128, Stateless: false), layer.Negotiated);
    }

    [Fact]
    public void WithoutKeysEveryOptionIsRejectedAndNothingRequested()
    {
        var layer = new CcpLayer(new MppePolicy(MppePolicy.StrengthBits, false, true), new NoEvents()) { MppeAvailable = false };
        Assert.Equal(0, layer.WriteConfigureRequest(new byte[64]));
        byte[] request = Convert.FromHexString("1206010000011105000104");
        byte[] response = new byte[64];
        Assert.Equal(ConfigureVerdict.Reject, layer.JudgeConfigureRequest(request, response, out int length));
        Assert.Equal(request, response[..length]);
    }
}
