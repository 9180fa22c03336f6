using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Pap;
using PptpGw.Dataplane.Packets;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// The authenticator side of the authentication phase (RFC 1661 §3.5) for PAP (RFC 1334), CHAP-MD5 (RFC 1994),
/// MS-CHAPv1 (RFC 2433) and MS-CHAPv2 (RFC 2759), one strategy per protocol over one state machine. Proofs go to an
/// <see cref="IPppAuthenticator"/> asynchronously; the verdict is applied under the session lock. Not thread-safe by
/// itself: every call is made under the session's lock, which is also taken to apply a verdict that completes later.
/// </summary>
public sealed class PppAuthServer : IDisposable
{
    private readonly PppAuthProtocol _protocol;
    private readonly PppAuthServerOptions _options;
    private readonly IPppAuthenticator _backend;
    private readonly IPppAuthHost _host;
    private readonly TimeProvider _time;
    private readonly Lock _sync;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly byte[] _name;

    private byte[] _challenge = [];
    private byte _identifier;
    private int _transmissions;
    private int _attempts;
    private ITimer? _timer;
    private object? _timerToken;
    private bool _pending;
    private bool _done;
    private bool _disposed;
    // The last verdict packet and the Response/Request it answered, resent for a duplicate (RFC 1994 §4.2).
    private byte[]? _lastVerdict;
    private byte _lastVerdictIdentifier;
    private byte[]? _lastProof;
    private int _verification;

    public PppAuthServer(PppAuthProtocol protocol, PppAuthServerOptions options, IPppAuthenticator backend, IPppAuthHost host,
        TimeProvider timeProvider, Lock syncRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _protocol = protocol;
        _options = options;
        _backend = backend;
        _host = host;
        _time = timeProvider;
        _sync = syncRoot ?? throw new ArgumentNullException(nameof(syncRoot));
        _name = Encoding.UTF8.GetBytes(options.Name);
        _identifier = (byte)RandomNumberGenerator.GetInt32(256);
    }

    public PppAuthProtocol Protocol => _protocol;

    /// <summary>True once the phase ended (success or final failure).</summary>
    public bool IsComplete => _done;

    /// <summary>The user name of the latest attempt.</summary>
    public string UserName { get; private set; } = string.Empty;

    /// <summary>Begins the phase: CHAP sends its Challenge (and retransmits it); PAP waits for the peer's Authenticate-Request.</summary>
    public void Start()
    {
        if (_protocol != PppAuthProtocol.Pap)
            NewChallenge(_identifier);
    }

    private void NewChallenge(byte identifier)
    {
        _identifier = identifier;
        // RFC 2433 §5.1: 8 octets for MS-CHAPv1; RFC 2759 §5: 16 for MS-CHAPv2; 16 random octets for CHAP-MD5 (RFC 1994 §2.3).
        _challenge = RandomNumberGenerator.GetBytes(_protocol == PppAuthProtocol.MsChapV1 ? MsChapV1.ChallengeLength : MsChapV2.ChallengeLength);
        _transmissions = 0;
        SendChallenge();
    }

    private void SendChallenge()
    {
        Span<byte> packet = stackalloc byte[ChapPacket.GetChallengeOrResponseLength(_challenge.Length, _name.Length)];
        ChapPacket.TryWriteChallenge(packet, _identifier, _challenge, _name, out int length);
        _host.SendAuthPacket(PppProtocol.Chap, packet[..length]);
        _transmissions++;
        StartTimer();
    }

    private void StartTimer()
    {
        StopTimer();
        if (_disposed)
            return;
        object token = new();
        _timerToken = token;
        _timer = _time.CreateTimer(static state =>
        {
            var (self, t) = ((PppAuthServer, object))state!;
            self.OnTimer(t);
        }, (this, token), _options.RetransmitInterval, Timeout.InfiniteTimeSpan);
    }

    private void StopTimer()
    {
        _timerToken = null;
        _timer?.Dispose();
        _timer = null;
    }

    private void OnTimer(object token)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(token, _timerToken) || _done || _pending || _disposed)
                return;
            if (_transmissions >= _options.MaxChallengeTransmissions)
            {
                StopTimer();
                Finish(new PppAuthOutcome(false, true, _protocol, UserName, "no response to the CHAP Challenge", null, null, PppAuthFailure.NoResponse));
                return;
            }
            SendChallenge(); // RFC 1994 §4.1: same Identifier and Value until a Response arrives
        }
    }

    /// <summary>A PAP or CHAP packet from the peer (Code..Data). Malformed or unexpected packets are ignored.</summary>
    public void Receive(ushort protocol, ReadOnlySpan<byte> packet)
    {
        if (_disposed)
            return;
        if (protocol == PppProtocol.Pap && _protocol == PppAuthProtocol.Pap)
            ReceivePap(packet);
        else if (protocol == PppProtocol.Chap && _protocol != PppAuthProtocol.Pap)
            ReceiveChap(packet);
    }

    private void ReceivePap(ReadOnlySpan<byte> packet)
    {
        if (PapPacket.TryParse(packet, out PapPacket pap) != PapError.None || pap.Code != PapCode.AuthenticateRequest)
            return;
        if (ResendIfDuplicate(pap.Identifier, packet) || _pending || _done)
            return;
        _identifier = pap.Identifier;
        UserName = Decode(pap.PeerId);
        _lastProof = packet.ToArray();
        Verify(new PapAuthRequest(UserName, pap.Password.ToArray()));
    }

    private void ReceiveChap(ReadOnlySpan<byte> packet)
    {
        if (ChapPacket.TryParse(packet, out ChapPacket chap) != ChapError.None || chap.Code != ChapCode.Response)
            return;
        if (ResendIfDuplicate(chap.Identifier, packet) || _pending || _done || chap.Identifier != _identifier)
            return; // RFC 1994 §4.1: a Response must carry the Identifier of the outstanding Challenge
        StopTimer();
        UserName = Decode(chap.Name);
        _lastProof = packet.ToArray();
        PppAuthRequest? request = _protocol switch
        {
            PppAuthProtocol.Chap => new ChapMd5AuthRequest(UserName, chap.Identifier, _challenge, chap.Value.ToArray()),
            PppAuthProtocol.MsChapV1 => MsChapV1Response.TryParse(chap.Value, out MsChapV1Response v1) == MsChapResponseError.None
                ? new MsChapV1AuthRequest(UserName, _challenge, v1.LmResponse.ToArray(), v1.NtResponse.ToArray(), v1.UseNtResponse)
                : null,
            _ => MsChapV2Response.TryParse(chap.Value, out MsChapV2Response v2) == MsChapResponseError.None
                ? new MsChapV2AuthRequest(UserName, _challenge, v2.PeerChallenge.ToArray(), v2.NtResponse.ToArray())
                : null,
        };
        if (request is null)
        {
            _host.AuthenticationStarted(UserName);
            Apply(PppAuthResult.Reject("LOCAL", "malformed MS-CHAP Response value", retryAllowed: false, failure: PppAuthFailure.MalformedProof), request: null);
            return;
        }
        Verify(request);
    }

    /// <summary>RFC 1994 §4.2 / RFC 1334: a retransmitted Response or Request gets the same verdict again.</summary>
    private bool ResendIfDuplicate(byte identifier, ReadOnlySpan<byte> packet)
    {
        if (_lastVerdict is null || identifier != _lastVerdictIdentifier || _lastProof is null || !packet.SequenceEqual(_lastProof))
            return false;
        _host.SendAuthPacket(_protocol == PppAuthProtocol.Pap ? PppProtocol.Pap : PppProtocol.Chap, _lastVerdict);
        return true;
    }

    private void Verify(PppAuthRequest request)
    {
        _pending = true;
        _attempts++;
        int verification = ++_verification;
        _host.AuthenticationStarted(request.UserName);
        ValueTask<PppAuthResult> task;
        try
        {
            task = _backend.AuthenticateAsync(request, _cancellation.Token);
        }
#pragma warning disable CA1031 // a faulty backend is an authentication failure, never a crash of the session
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Apply(PppAuthResult.Reject("backend", $"backend fault: {exception.Message}", retryAllowed: false, failure: PppAuthFailure.BackendFault), request);
            return;
        }
        if (task.IsCompletedSuccessfully)
            Apply(task.Result, request);
        else
            _ = AwaitVerdictAsync(task, request, verification);
    }

    private async Task AwaitVerdictAsync(ValueTask<PppAuthResult> task, PppAuthRequest request, int verification)
    {
        PppAuthResult result;
        try
        {
            result = await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // see Verify
        catch (Exception exception)
#pragma warning restore CA1031
        {
            result = PppAuthResult.Reject("backend", $"backend fault: {exception.Message}", retryAllowed: false, failure: PppAuthFailure.BackendFault);
        }
        lock (_sync)
        {
            if (!_disposed && verification == _verification)
                Apply(result, request);
        }
    }

    private void Apply(PppAuthResult result, PppAuthRequest? request)
    {
        _pending = false;
        if (result.Accepted && _options.RequireMppeKeys && _protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2 && result.Keys is null)
            result = PppAuthResult.Reject(result.ServerName, "missing MPPE key from aaa server", retryAllowed: false, failure: PppAuthFailure.MissingMppeKeys);
        if (result.Accepted && _protocol == PppAuthProtocol.MsChapV2 && result.AuthenticatorResponse is not { Length: MsChapV2.AuthenticatorResponseLength })
            result = PppAuthResult.Reject(result.ServerName, "no MS-CHAPv2 authenticator response from the backend", retryAllowed: false,
                failure: PppAuthFailure.MissingAuthenticatorResponse);

        if (result.Accepted)
        {
            SendVerdict(success: true, result, retry: false, newChallenge: default);
            Finish(new PppAuthOutcome(true, true, _protocol, UserName, $"authenticated by {result.ServerName}", result, result.Keys));
            return;
        }

        bool retry = result.RetryAllowed && _attempts < _options.MaxAttempts && _protocol != PppAuthProtocol.Chap && request is not null;
        string reason = result.Reason ?? "authentication failed";
        if (retry && _protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2)
        {
            // RFC 2433 §6 / RFC 2759 §6: R=1 with a fresh challenge in C=; the peer answers with the next Identifier.
            byte[] next = RandomNumberGenerator.GetBytes(_challenge.Length);
            SendVerdict(success: false, result, retry: true, next);
            _challenge = next;
            _identifier = unchecked((byte)(_identifier + 1));
            _transmissions = 0;
            _host.AuthenticationFinished(new PppAuthOutcome(false, false, _protocol, UserName, reason, result, null, result.Failure));
            return;
        }
        SendVerdict(success: false, result, retry: retry, newChallenge: default);
        if (retry)
        {
            // PAP: the peer may send another Authenticate-Request (RFC 1334 §2.2.1).
            _host.AuthenticationFinished(new PppAuthOutcome(false, false, _protocol, UserName, reason, result, null, result.Failure));
            return;
        }
        Finish(new PppAuthOutcome(false, true, _protocol, UserName, reason, result, null, result.Failure));
    }

    private void SendVerdict(bool success, PppAuthResult result, bool retry, ReadOnlySpan<byte> newChallenge)
    {
        Span<byte> message = stackalloc byte[160];
        int messageLength;
        if (_protocol == PppAuthProtocol.Pap)
        {
            ReadOnlySpan<byte> text = success ? "Login ok"u8 : "Authentication failed"u8;
            byte[] packet = new byte[PapPacket.GetReplyLength(text.Length)];
            PapPacket.TryWriteReply(packet, success ? PapCode.AuthenticateAck : PapCode.AuthenticateNak, _identifier, text, out _);
            Remember(packet);
            _host.SendAuthPacket(PppProtocol.Pap, packet);
            return;
        }

        if (success)
        {
            switch (_protocol)
            {
                case PppAuthProtocol.MsChapV2:
                    MsChapV2SuccessMessage.TryFormat(message, result.AuthenticatorResponse, "Access granted"u8, out messageLength);
                    break;
                case PppAuthProtocol.MsChapV1:
                    messageLength = 0; // RFC 2433 §5.2 defines no Success text; the PIX sends none
                    break;
                default:
                    "Access granted"u8.CopyTo(message);
                    messageLength = 14;
                    break;
            }
        }
        else
        {
            switch (_protocol)
            {
                case PppAuthProtocol.MsChapV2:
                    MsChapFailureMessage.TryFormatV2(message, result.ErrorCode, retry,
                        newChallenge.IsEmpty ? _challenge : newChallenge, MsChapFailureMessage.V2Version, "Authentication failed"u8, out messageLength);
                    break;
                case PppAuthProtocol.MsChapV1:
                    MsChapFailureMessage.TryFormatV1(message, result.ErrorCode, retry, newChallenge, MsChapFailureMessage.V1Version, out messageLength);
                    break;
                default:
                    "Authentication failed"u8.CopyTo(message);
                    messageLength = 21;
                    break;
            }
        }
        byte[] chap = new byte[ChapPacket.GetResultLength(messageLength)];
        ChapPacket.TryWriteResult(chap, success ? ChapCode.Success : ChapCode.Failure, _identifier, message[..messageLength], out _);
        Remember(chap);
        _host.SendAuthPacket(PppProtocol.Chap, chap);
    }

    private void Remember(byte[] verdict)
    {
        _lastVerdict = verdict;
        _lastVerdictIdentifier = _identifier;
    }

    private void Finish(PppAuthOutcome outcome)
    {
        _done = true;
        StopTimer();
        _host.AuthenticationFinished(outcome);
    }

    private static string Decode(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        StopTimer();
        _cancellation.Cancel();
        _cancellation.Dispose();
    }
}
