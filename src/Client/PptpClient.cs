using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
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
    /// interface are up (or faults with a <see cref="PptpClientException"/>).
    /// </summary>
    /// <exception cref="PptpClientException">The connection or the call could not be established.</exception>
    public static async Task<PptpClientSession> ConnectAsync(PptpClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        DateTime deadline = DateTime.UtcNow + options.ConnectTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        CancellationToken token = timeout.Token;
        string waitingFor = "the TCP connection";

        Socket? socket = null;
        PptpControlChannel? channel = null;
        IGreTransport? gre = null;
        try
        {
            socket = new Socket(options.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            if (options.SourceAddress is { } source)
                socket.Bind(new IPEndPoint(source, 0));
            try
            {
                await socket.ConnectAsync(new IPEndPoint(options.Server, options.Port), token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new PptpClientException(PptpClientFailure.ConnectFailed,
                    $"cannot connect to {options.Server}:{options.Port.ToString(CultureInfo.InvariantCulture)}: {e.Message}", e);
            }
            var stream = new NetworkStream(socket, ownsSocket: true);
            socket = null;
            channel = new PptpControlChannel(stream);
            IPAddress local = ((IPEndPoint)stream.Socket.LocalEndPoint!).Address;

            // RFC 2637 §2.1/§2.2: the control connection.
            waitingFor = "Start-Control-Connection-Reply";
            await channel.SendAsync(ClientControlMessages.StartControlConnectionRequest(options.HostName), token).ConfigureAwait(false);
            ControlMessage sccrp = await ExpectAsync(channel, PptpControlMessageType.StartControlConnectionReply, token).ConfigureAwait(false);
            var sccrpResult = (StartControlConnectionResultCode)sccrp.ResultCode;
            if (sccrpResult != StartControlConnectionResultCode.Successful)
                throw new PptpClientException(PptpClientFailure.Refused,
                    $"control connection refused: {sccrpResult.ToRfcText()}{ErrorSuffix(sccrp.ErrorCode)}");
            options.Progress?.Invoke(string.IsNullOrEmpty(sccrp.Text) ? "control connection up" : $"control connection up server={sccrp.Text}");

            // GRE before the call: the server may send LCP as soon as its Outgoing-Call-Reply is out.
            try
            {
                gre = options.GreTransportFactory is { } factory ? factory(local, options.Server) : new RawGreTransport(local, options.Server);
            }
            catch (PortSetupException e)
            {
                throw new PptpClientException(PptpClientFailure.ConnectFailed, $"cannot open the GRE socket: {e.Message}", e);
            }

            // RFC 2637 §2.7/§2.8: the call.
            ushort callId = options.CallId != 0 ? options.CallId : (ushort)RandomNumberGenerator.GetInt32(1, 65536);
            ushort serial = (ushort)RandomNumberGenerator.GetInt32(0, 65536);
            waitingFor = "Outgoing-Call-Reply";
            await channel.SendAsync(ClientControlMessages.OutgoingCallRequest(callId, serial, options.ReceiveWindow), token).ConfigureAwait(false);
            ControlMessage ocrp = await ExpectAsync(channel, PptpControlMessageType.OutgoingCallReply, token).ConfigureAwait(false);
            var ocrpResult = (OutgoingCallResultCode)ocrp.ResultCode;
            if (ocrpResult != OutgoingCallResultCode.Connected)
            {
                await StopQuietlyAsync(channel, options.HangUpStepTimeout).ConfigureAwait(false);
                throw new PptpClientException(PptpClientFailure.Refused, $"call refused: {ocrpResult.ToRfcText()}{ErrorSuffix(ocrp.ErrorCode)}");
            }
            if (ocrp.PeersCallId != callId)
                throw new PptpClientException(PptpClientFailure.LinkFailed,
                    $"Outgoing-Call-Reply for call {ocrp.PeersCallId.ToString(CultureInfo.InvariantCulture)}, ours is {callId.ToString(CultureInfo.InvariantCulture)}");
            options.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"call established call-id={callId} peer-call-id={ocrp.CallId} peer-window={ocrp.PacketRecvWindowSize}"));

            TimeSpan remaining = deadline - DateTime.UtcNow;
            var session = new PptpClientSession(options, channel, gre, local, callId, ocrp.CallId, ocrp.PacketRecvWindowSize,
                remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
            channel = null;
            gre = null;
            session.Start();
            return session;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PptpClientException(PptpClientFailure.Timeout,
                $"timeout: no {waitingFor} from {options.Server} within {options.ConnectTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", e);
        }
        finally
        {
            socket?.Dispose();
            gre?.Dispose();
            if (channel is not null)
                await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads until a message of <paramref name="type"/>, answering Echo-Requests on the way.</summary>
    private static async Task<ControlMessage> ExpectAsync(PptpControlChannel channel, PptpControlMessageType type, CancellationToken token)
    {
        while (true)
        {
            ControlMessage message = await channel.ReceiveAsync(token).ConfigureAwait(false)
                ?? throw new PptpClientException(PptpClientFailure.LinkFailed, $"the server closed the control connection (waiting for {type.RfcName()})");
            if (message.Type == type)
                return message;
            switch (message.Type)
            {
                case PptpControlMessageType.EchoRequest:
                    await channel.SendAsync(ClientControlMessages.EchoReply(message.Identifier), token).ConfigureAwait(false);
                    break;
                case PptpControlMessageType.StopControlConnectionRequest:
                    await channel.SendAsync(ClientControlMessages.StopControlConnectionReply(), token).ConfigureAwait(false);
                    throw new PptpClientException(PptpClientFailure.Refused,
                        $"the server stopped the control connection: {((StopControlConnectionReason)message.ResultCode).ToRfcText()}");
            }
        }
    }

    /// <summary>After a refused call: StopCCRQ, and a short wait for the reply (RFC 2637 §2.3).</summary>
    private static async Task StopQuietlyAsync(PptpControlChannel channel, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            await channel.SendAsync(ClientControlMessages.StopControlConnectionRequest(StopControlConnectionReason.None), cts.Token).ConfigureAwait(false);
            while (await channel.ReceiveAsync(cts.Token).ConfigureAwait(false) is { } m && m.Type != PptpControlMessageType.StopControlConnectionReply)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or PptpClientException or SocketException)
        {
            // best effort: the connection is closed next anyway
        }
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
