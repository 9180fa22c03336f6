using System.Net;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Tests.ControlPlane.Ppp.Session;
using static PptpGw.Tests.ControlPlane.Ppp.Session.SessionPair;

namespace PptpGw.Tests.ControlPlane.Aaa.Tacacs;

/// <summary>
/// A whole PPP session (server and client over the in-memory loopback) authenticated by TACACS+ through
/// <see cref="StandInTacacsServer"/>, the RFC 8907 STAND-IN server of these tests.
/// </summary>
public sealed class TacacsPppSessionTests : IAsyncLifetime
{
    private readonly StandInTacacsServer _server = new("k", new Dictionary<string, string> { [User] = Password });
    private readonly GatewayLog _log = new();
    private readonly CaptureLogSink _sink = new();

    public Task InitializeAsync()
    {
        _log.AddSink(_sink);
        _server.Authorization[User] = (0x01, ["addr=198.19.0.7"]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private SessionPair Pair(TacacsPlusClient client, MppePolicy mppe, PppAuthProtocol protocol)
    {
        var group = new AaaServerGroup("TAC", AaaProtocol.TacacsPlus, [_server.Host()], false);
        var authenticator = new TacacsPlusAuthenticator(client, _log,
            new TacacsPlusAuthenticatorOptions { Mppe = new MppeSettings(MppeStrengthSetting.Auto, mppe.Required, MppeStatePreference.Stateless) });
        PppSessionOptions server = TacacsPlusMppePolicy.Apply(ServerOptions(NewPool(), mppe, protocol) with { Authenticator = authenticator }, group);
        return new SessionPair(server, ClientOptions(mppe, null, protocol));
    }

    private static void WaitFor(SessionPair pair, Func<bool> done)
    {
        for (int i = 0; i < 500 && !done(); i++)
        {
            Thread.Sleep(20);
            pair.Pump();
        }
        pair.Pump();
    }

    [Fact]
    public void MsChapV1_with_optional_mppe_comes_up_unencrypted_with_the_authorized_address()
    {
        using var client = new TacacsPlusClient(new AaaServerGroup("TAC", AaaProtocol.TacacsPlus, [_server.Host()], false), _log);
        using SessionPair pair = Pair(client, Policy(AllStrengths), PppAuthProtocol.MsChapV1);
        pair.Start();
        WaitFor(pair, () => pair.Server.IsLinkUp);

        Assert.True(pair.Server.IsLinkUp);
        Assert.Null(pair.ServerEvents.Up.Mppe);
        Assert.Equal(Ip("198.19.0.7"), pair.ServerEvents.Up.PeerAddress);
        Assert.Contains(_sink.Lines, l => l.Contains("TACACS+ returns no MPPE keys", StringComparison.Ordinal)
            && l.Contains("runs unencrypted", StringComparison.Ordinal));
    }

    [Fact]
    public void MsChapV2_fails_finally_because_TACACS_plus_gives_no_authenticator_response()
    {
        using var client = new TacacsPlusClient(new AaaServerGroup("TAC", AaaProtocol.TacacsPlus, [_server.Host()], false), _log);
        using SessionPair pair = Pair(client, Policy(AllStrengths), PppAuthProtocol.MsChapV2);
        pair.Start();
        WaitFor(pair, () => pair.ServerEvents.Failed.Count > 0);

        PppAuthOutcome failure = Assert.Single(pair.ServerEvents.Failed);
        Assert.True(failure.IsFinal);
        Assert.Equal(TacacsPlusAuthenticator.NoAuthenticatorResponseMessage, failure.Reason);
        Assert.Empty(pair.ServerEvents.Ups);
    }

    [Fact]
    public void MsChapV2_comes_up_when_the_server_returns_the_authenticator_response()
    {
        _server.ReturnMsChapV2AuthenticatorResponse = true;
        using var client = new TacacsPlusClient(new AaaServerGroup("TAC", AaaProtocol.TacacsPlus, [_server.Host()], false), _log);
        using SessionPair pair = Pair(client, Policy(AllStrengths), PppAuthProtocol.MsChapV2);
        pair.Start();
        WaitFor(pair, () => pair.Server.IsLinkUp && pair.Client.IsLinkUp);

        // The client checked S= against its own password (RFC 2759 §8.8) and accepted the server.
        Assert.True(pair.Client.IsLinkUp);
        Assert.Null(pair.ServerEvents.Up.Mppe);
    }
}
