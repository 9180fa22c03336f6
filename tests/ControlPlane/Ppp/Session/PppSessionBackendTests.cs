using System.Text;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Packets;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Ppp.Session;

/// <summary>A backend standing in for RADIUS: decides with the local users, then lets the test reshape or delay the verdict.</summary>
internal sealed class ScriptedAuthenticator(Func<PppAuthResult, PppAuthResult>? reshape = null) : IPppAuthenticator
{
    private readonly IPppAuthenticator _local = LocalUsers();

    public TaskCompletionSource? Gate { get; set; }
    public Exception? Fault { get; set; }
    public List<PppAuthRequest> Requests { get; } = [];

    public async ValueTask<PppAuthResult> AuthenticateAsync(PppAuthRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        if (Gate is not null)
            await Gate.Task.ConfigureAwait(false);
        if (Fault is not null)
            throw Fault;
        PppAuthResult result = await _local.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
        return reshape is null ? result : reshape(result);
    }
}

public sealed class PppSessionBackendTests
{
    private static SessionPair Pair(IPppAuthenticator backend, MppePolicy? mppe, PppAuthProtocol protocol = PppAuthProtocol.MsChapV2,
        PptpGw.ControlPlane.Pools.IpLocalPool? pool = null) =>
        new(ServerOptions(pool ?? NewPool(), mppe, protocol) with { Authenticator = backend }, ClientOptions(mppe, null, protocol));

    [Fact]
    public void AsynchronousVerdictIsAppliedWhenItArrives()
    {
        var backend = new ScriptedAuthenticator { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var pair = Pair(backend, Policy(AllStrengths));
        pair.Start();
        Assert.Equal(PppPhase.Authenticate, pair.Server.Phase);
        Assert.Single(pair.ServerEvents.Started);
        MsChapV2AuthRequest request = Assert.IsType<MsChapV2AuthRequest>(Assert.Single(backend.Requests));
        Assert.Equal(User, request.UserName);
        Assert.Equal(16, request.AuthenticatorChallenge.Length);

        backend.Gate.SetResult();
        SpinWait.SpinUntil(() => pair.Server.Phase == PppPhase.Network, TimeSpan.FromSeconds(10));
        pair.Pump();
        Assert.True(pair.Server.IsLinkUp);
        Assert.NotNull(pair.ServerEvents.Up.Mppe);
    }

    [Fact]
    public void FaultyBackendIsAFinalAuthenticationFailure()
    {
        var backend = new ScriptedAuthenticator { Fault = new InvalidOperationException("radius down") };
        using var pair = Pair(backend, null);
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        PppAuthOutcome failure = Assert.Single(pair.ServerEvents.Failed);
        Assert.True(failure.IsFinal);
        Assert.Contains("radius down", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(pair.ServerEvents.Ups);
    }

    [Fact]
    public void MissingMppeKeysFromTheServerFailAuthentication()
    {
        // PIX 403110 "missing MPPE key from aaa server": MPPE configured, MS-CHAP accepted without keys -> Windows error 691.
        var backend = new ScriptedAuthenticator(r => r with { Keys = null });
        using var pair = Pair(backend, Policy(MppeSupportedBits.Encryption40Bit));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        PppAuthOutcome failure = Assert.Single(pair.ServerEvents.Failed);
        Assert.Equal("missing MPPE key from aaa server", failure.Reason);
        byte[] packet = PacketsOf(pair.ServerSent, PppProtocol.Chap).Single(p => p[0] == (byte)ChapCode.Failure);
        Assert.StartsWith("E=691 R=0", Encoding.ASCII.GetString(packet, 4, packet.Length - 4), StringComparison.Ordinal);
    }

    [Fact]
    public void FramedIpAddressFromTheServerIsAssignedAndReleased()
    {
        var pool = NewPool();
        uint framed = Ip("172.16.9.9");
        var backend = new ScriptedAuthenticator(r => r with { FramedIpAddress = framed, SessionTimeout = TimeSpan.FromHours(1), IdleTimeout = TimeSpan.FromMinutes(5) });
        using var pair = Pair(backend, null, pool: pool);
        pair.Start();
        Assert.Equal(framed, pair.ServerEvents.Up.PeerAddress);
        Assert.Equal(framed, pair.ClientEvents.Up.LocalAddress);
        Assert.Equal(TimeSpan.FromHours(1), pair.ServerEvents.Up.SessionTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), pair.ServerEvents.Up.IdleTimeout);
        Assert.Equal(1, pool.OutsideCount);
        pair.Server.Close("admin");
        pair.Pump();
        Assert.Equal(0, pool.OutsideCount);
    }

    [Fact]
    public void RadiusStyleRejectWithoutRetryEndsAtOnce()
    {
        var backend = new ScriptedAuthenticator(r => r.Accepted ? r : r with { RetryAllowed = false, ErrorCode = MsChapErrorCode.AcctDisabled });
        using var pair = new SessionPair(
            ServerOptions(NewPool(), null, PppAuthProtocol.MsChapV2) with { Authenticator = backend },
            ClientOptions(null, new PppClientCredentials(User, "wrong", n => Password), PppAuthProtocol.MsChapV2));
        pair.Start();
        pair.Advance(TimeSpan.FromSeconds(4));
        byte[] packet = PacketsOf(pair.ServerSent, PppProtocol.Chap).Single(p => p[0] == (byte)ChapCode.Failure);
        Assert.StartsWith("E=647 R=0", Encoding.ASCII.GetString(packet, 4, packet.Length - 4), StringComparison.Ordinal);
        Assert.True(Assert.Single(pair.ServerEvents.Failed).IsFinal);
    }

    [Fact]
    public void RandomFramesNeverThrowAndNeverBreakTheSession()
    {
        // Any octets, in any phase, from a peer: parsing never throws (RFC 1661 §5: malformed packets are discarded).
        Gen<byte[]> protocolPrefix = Gen.OneOfConst(
            new byte[] { 0xFF, 0x03, 0xC0, 0x21 }, [0xFF, 0x03, 0xC2, 0x23], [0xFF, 0x03, 0xC0, 0x23], [0x80, 0x21], [0x80, 0xFD],
            [0xFF, 0x03, 0x80, 0x57], [0x21], [0xFF], []);
        Gen<byte[]> frame = Gen.Select(protocolPrefix, Gen.Byte.Array[0, 64], (p, b) => p.Concat(b).ToArray());
        Gen.Select(frame.Array[1, 30], Gen.Int[0, 3]).Sample((frames, phase) =>
        {
            using var pair = new SessionPair(ServerOptions(NewPool(), Policy(AllStrengths), PppAuthProtocol.MsChapV2),
                ClientOptions(Policy(AllStrengths), null, PppAuthProtocol.MsChapV2));
            if (phase > 0)
                pair.Start();
            foreach (byte[] f in frames)
            {
                pair.Server.Receive(f);
                pair.Client.Receive(f);
            }
            pair.Pump();
            pair.Advance(TimeSpan.FromSeconds(3));
            PppSessionSnapshot snapshot = pair.Server.GetSnapshot();
            Assert.True(pair.ServerEvents.Downs.Count <= 1); // LinkDown at most once
            Assert.True(snapshot.ControlFramesReceived + snapshot.DataFramesReceived + snapshot.FramesDiscarded >= 0);
        }, iter: 200);
    }
}
