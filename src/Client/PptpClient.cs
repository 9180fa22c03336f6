using System.Globalization;
using System.Net;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Ipcp;
using PptpGw.ControlPlane.Ppp.Lcp;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.ControlPlane.Pptp;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Client;

/// <summary>What the link came up with.</summary>
/// <param name="InterfaceName">The tunnel interface.</param>
/// <param name="LocalAddress">Our IPCP address.</param>
/// <param name="PeerAddress">The server's IPCP address.</param>
/// <param name="PrimaryDns">RFC 1877 DNS server, or null.</param>
/// <param name="SecondaryDns">RFC 1877 second DNS server, or null.</param>
/// <param name="AuthenticationProtocol">The protocol we authenticated with, or null.</param>
/// <param name="MppeBits">40, 56 or 128; null without MPPE.</param>
/// <param name="MppeStateless">True for stateless MPPE (RFC 3078 §7.1).</param>
/// <param name="Mtu">The interface MTU.</param>
public sealed record PptpClientLink(string InterfaceName, IPAddress LocalAddress, IPAddress PeerAddress, IPAddress? PrimaryDns,
    IPAddress? SecondaryDns, PppAuthProtocol? AuthenticationProtocol, int? MppeBits, bool MppeStateless, int Mtu)
{
    /// <summary>"mppe=128 stateless" or "mppe=none".</summary>
    public string MppeText => MppeBits is { } bits
        ? string.Create(CultureInfo.InvariantCulture, $"mppe={bits} {(MppeStateless ? "stateless" : "stateful")}")
        : "mppe=none";
}

/// <summary>
/// The client (the pptp-linux + pppd side) of a PPTP call: control connection (RFC 2637 §2), one outgoing call, PPP in
/// the client role over enhanced GRE, and MPPE.
/// </summary>
public static class PptpClient
{
    /// <summary>
    /// Connects to the server, sets up the control connection (SCCRQ/SCCRP) and the call (OCRQ/OCRP), and starts PPP.
    /// Returns once the call is established; <see cref="PptpClientSession.LinkUp"/> completes when PPP and the tunnel
    /// interface are up (or faults with a <see cref="PptpClientException"/>). The session owns its control connection:
    /// hanging up stops it.
    /// </summary>
    /// <exception cref="PptpClientException">The connection or the call could not be established.</exception>
    public static async Task<PptpClientSession> ConnectAsync(PptpClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        DateTime deadline = DateTime.UtcNow + options.ConnectTimeout;
        PptpTunnel tunnel = await PptpTunnel.OpenAsync(options.ToTunnelOptions(), cancellationToken).ConfigureAwait(false);
        IGreTransport? gre = null;
        bool handedOver = false;
        try
        {
            options.Progress?.Invoke(tunnel.ServerHostName is { } host ? $"control connection up server={host}" : "control connection up");
            // GRE before the call: the server may send LCP as soon as its Outgoing-Call-Reply is out.
            gre = OpenGre(options, tunnel);
            PptpTunnelCall call;
            try
            {
                call = await tunnel.PlaceCallAsync(options.CallId, options.ReceiveWindow, cancellationToken).ConfigureAwait(false);
            }
            catch (PptpClientException e) when (e.CallResult is not null)
            {
                await tunnel.StopAsync().ConfigureAwait(false); // RFC 2637 §2.3: nothing more to do on this connection
                throw;
            }
            PptpClientSession session = StartSession(options, tunnel, call, gre, ownsTunnel: true, deadline - DateTime.UtcNow);
            handedOver = true;
            return session;
        }
        finally
        {
            if (!handedOver)
            {
                gre?.Dispose();
                await tunnel.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Places one more call on <paramref name="tunnel"/> (RFC 2637 §3.2: a tunnel carries many) and starts PPP over it, its
    /// GRE through <paramref name="gre"/>; the tunnel and its other calls are not affected by this session's end.
    /// <see cref="PptpClientOptions.Server"/> and the connection settings of <paramref name="options"/> are not used.
    /// </summary>
    /// <exception cref="PptpClientException">The call was refused (<see cref="PptpClientException.CallResult"/>) or timed out.</exception>
    public static async Task<PptpClientSession> DialOnTunnelAsync(PptpTunnel tunnel, GreDemultiplexer gre, PptpClientOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        ArgumentNullException.ThrowIfNull(gre);
        ArgumentNullException.ThrowIfNull(options);
        DateTime deadline = DateTime.UtcNow + options.ConnectTimeout;
        ushort callId = tunnel.ReserveCallId();
        IGreTransport view = gre.Open(callId);
        try
        {
            PptpTunnelCall call = await tunnel.PlaceCallAsync(callId, options.ReceiveWindow, cancellationToken).ConfigureAwait(false);
            return StartSession(options, tunnel, call, view, ownsTunnel: false, deadline - DateTime.UtcNow);
        }
        catch
        {
            tunnel.ReleaseCallId(callId);
            view.Dispose();
            throw;
        }
    }

    /// <summary>The GRE transport of a tunnel: <see cref="PptpClientOptions.GreTransportFactory"/> or a raw socket on the tunnel's local address.</summary>
    /// <exception cref="PptpClientException">No raw socket (ConnectFailed).</exception>
    public static IGreTransport OpenGre(PptpClientOptions options, PptpTunnel tunnel)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tunnel);
        IPAddress local = tunnel.LocalEndPoint.Address;
        try
        {
            return options.GreTransportFactory is { } factory ? factory(local, tunnel.Server) : new RawGreTransport(local, tunnel.Server);
        }
        catch (PortSetupException e)
        {
            throw new PptpClientException(PptpClientFailure.ConnectFailed, $"cannot open the GRE socket: {e.Message}", e);
        }
    }

    private static PptpClientSession StartSession(PptpClientOptions options, PptpTunnel tunnel, PptpTunnelCall call, IGreTransport gre,
        bool ownsTunnel, TimeSpan remaining)
    {
        options.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"call established call-id={call.CallId} peer-call-id={call.PeerCallId} peer-window={call.PeerReceiveWindow}"));
        var session = new PptpClientSession(options, tunnel, call, gre, ownsTunnel,
            remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
        session.Start();
        return session;
    }

    internal static string ErrorSuffix(PptpGeneralErrorCode code) => code == PptpGeneralErrorCode.None ? string.Empty : $", error {code.ToRfcText()}";

    /// <summary>The client-role PPP options for <paramref name="options"/>.</summary>
    public static PppSessionOptions BuildPppOptions(PptpClientOptions options, TimeSpan negotiationTimeout)
    {
        ArgumentNullException.ThrowIfNull(options);
        MppeSupportedBits strengths = options.Mppe switch
        {
            ClientMppeMode.Bits40 => MppeSupportedBits.Encryption40Bit,
            ClientMppeMode.Bits56 => MppeSupportedBits.Encryption56Bit,
            ClientMppeMode.Bits128 => MppeSupportedBits.Encryption128Bit,
            _ => MppePolicy.StrengthBits,
        };
        return new PppSessionOptions
        {
            Role = PppRole.Client,
            Lcp = new LcpLayerOptions
            {
                AuthenticationProtocols = options.AuthenticationProtocols.IsDefaultOrEmpty
                    ? [PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Chap, PppAuthProtocol.Pap]
                    : options.AuthenticationProtocols,
            },
            Ipcp = new IpcpLayerOptions { RequestDns = true },
            Mppe = options.Mppe == ClientMppeMode.None ? null : new MppePolicy(strengths, Required: true, PreferStateless: !options.Stateful),
            Credentials = new PppClientCredentials(options.UserName, options.Password),
            NegotiationTimeout = negotiationTimeout,
        };
    }

    /// <summary>
    /// The failure's text, with the Windows name of the server's MS-CHAP error code when it sent one (RFC 2759 §6):
    /// "MS-CHAP Failure E=691" → "MS-CHAP Failure E=691 (ERROR_AUTHENTICATION_FAILURE)".
    /// </summary>
    public static string DescribeAuthenticationFailure(PppAuthOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string? name = outcome.PeerErrorCode switch
        {
            MsChapErrorCode.RestrictedLogonHours => "ERROR_RESTRICTED_LOGON_HOURS",
            MsChapErrorCode.AcctDisabled => "ERROR_ACCT_DISABLED",
            MsChapErrorCode.PasswdExpired => "ERROR_PASSWD_EXPIRED",
            MsChapErrorCode.NoDialinPermission => "ERROR_NO_DIALIN_PERMISSION",
            MsChapErrorCode.AuthenticationFailure => "ERROR_AUTHENTICATION_FAILURE",
            MsChapErrorCode.ChangingPassword => "ERROR_CHANGING_PASSWORD",
            _ => null,
        };
        return name is null ? outcome.Reason : $"{outcome.Reason} ({name})";
    }

    internal static IPAddress? OptionalAddress(uint address) => address == 0 ? null : Ipv4.ToIPAddress(address);
}
