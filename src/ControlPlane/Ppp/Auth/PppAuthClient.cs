using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Pap;
using PptpGw.Dataplane.Packets;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// The peer side of the authentication phase (the PAC/pppd role): sends PAP Authenticate-Requests (retransmitted on a
/// timer), answers CHAP-MD5, MS-CHAPv1 and MS-CHAPv2 Challenges, verifies the MS-CHAPv2 authenticator response
/// (RFC 2759 §8.8) and derives the client-role MPPE start keys (RFC 3079). Every call is made under the session lock.
/// </summary>
public sealed class PppAuthClient : IDisposable
{
    private readonly PppAuthProtocol _protocol;
    private readonly PppClientCredentials _credentials;
    private readonly IPppAuthHost _host;
    private readonly TimeProvider _time;
    private readonly Lock _sync;
    private readonly TimeSpan _retransmitInterval;
    private readonly int _maxTransmissions;
    private readonly byte[] _userName;

    private string _password;
    private int _retries;
    private byte _identifier;
    private byte[] _challenge = [];
    private byte[] _peerChallenge = [];
    private byte[] _ntResponse = [];
    private byte[]? _lastResponse;
    private int _transmissions;
    private ITimer? _timer;
    private object? _timerToken;
    private bool _done;
    private bool _disposed;

    public PppAuthClient(PppAuthProtocol protocol, PppClientCredentials credentials, IPppAuthHost host, TimeProvider timeProvider,
        Lock syncRoot, TimeSpan? retransmitInterval = null, int maxTransmissions = 10)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _protocol = protocol;
        _credentials = credentials;
        _host = host;
        _time = timeProvider;
        _sync = syncRoot ?? throw new ArgumentNullException(nameof(syncRoot));
        _retransmitInterval = retransmitInterval ?? TimeSpan.FromSeconds(3);
        _maxTransmissions = maxTransmissions;
        _userName = Encoding.UTF8.GetBytes(credentials.UserName);
        _password = credentials.Password;
        _identifier = (byte)RandomNumberGenerator.GetInt32(256);
    }

    public bool IsComplete => _done;

    /// <summary>PAP: sends the Authenticate-Request now (RFC 1334 §2.2.1). CHAP: waits for the Challenge.</summary>
    public void Start()
    {
        if (_protocol == PppAuthProtocol.Pap)
            SendPapRequest();
    }

    private void SendPapRequest()
    {
        byte[] password = Encoding.UTF8.GetBytes(_password);
        byte[] packet = new byte[PapPacket.GetAuthenticateRequestLength(_userName.Length, password.Length)];
        PapPacket.TryWriteAuthenticateRequest(packet, _identifier, _userName, password, out _);
        CryptographicOperations.ZeroMemory(password);
        _lastResponse = packet;
        Transmit(PppProtocol.Pap);
    }

    private void Transmit(ushort protocol)
    {
        _host.SendAuthPacket(protocol, _lastResponse);
        _transmissions++;
        if (protocol != PppProtocol.Pap)
            return; // a CHAP peer does not retransmit: the authenticator retransmits its Challenge (RFC 1994 §4.1)
        StopTimer();
        object token = new();
        _timerToken = token;
        _timer = _time.CreateTimer(static state =>
        {
            var (self, t) = ((PppAuthClient, object))state!;
            self.OnTimer(t);
        }, (this, token), _retransmitInterval, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer(object token)
    {
        lock (_sync)
        {
            if (!ReferenceEquals(token, _timerToken) || _done || _disposed)
                return;
            if (_transmissions >= _maxTransmissions)
            {
                Finish(false, "no reply to the PAP Authenticate-Request", null, PppAuthFailure.NoResponse);
                return;
            }
            Transmit(PppProtocol.Pap);
        }
    }

    private void StopTimer()
    {
        _timerToken = null;
        _timer?.Dispose();
        _timer = null;
    }

    /// <summary>A PAP or CHAP packet from the authenticator (Code..Data).</summary>
    public void Receive(ushort protocol, ReadOnlySpan<byte> packet)
    {
        if (_disposed || _done)
            return;
        if (protocol == PppProtocol.Pap && _protocol == PppAuthProtocol.Pap)
            ReceivePap(packet);
        else if (protocol == PppProtocol.Chap && _protocol != PppAuthProtocol.Pap)
            ReceiveChap(packet);
    }

    private void ReceivePap(ReadOnlySpan<byte> packet)
    {
        if (PapPacket.TryParse(packet, out PapPacket pap) != PapError.None || pap.Identifier != _identifier)
            return;
        if (pap.Code == PapCode.AuthenticateAck)
            Finish(true, "PAP Authenticate-Ack", null);
        else if (pap.Code == PapCode.AuthenticateNak)
            Finish(false, $"PAP Authenticate-Nak: {Encoding.UTF8.GetString(pap.Message)}", null, PppAuthFailure.ServerRefused);
    }

    private void ReceiveChap(ReadOnlySpan<byte> packet)
    {
        if (ChapPacket.TryParse(packet, out ChapPacket chap) != ChapError.None)
            return;
        switch (chap.Code)
        {
            case ChapCode.Challenge:
                if (_lastResponse is not null && chap.Identifier == _identifier && chap.Value.SequenceEqual(_challenge))
                {
                    _host.SendAuthPacket(PppProtocol.Chap, _lastResponse); // a retransmitted Challenge: same Response
                    return;
                }
                Respond(chap.Identifier, chap.Value);
                return;
            case ChapCode.Success when chap.Identifier == _identifier && _lastResponse is not null:
                Succeeded(chap.Message);
                return;
            case ChapCode.Failure when chap.Identifier == _identifier && _lastResponse is not null:
                Failed(chap.Message);
                return;
        }
    }

    private void Respond(byte identifier, ReadOnlySpan<byte> challenge)
    {
        int expected = _protocol switch
        {
            PppAuthProtocol.MsChapV1 => MsChapV1.ChallengeLength,
            PppAuthProtocol.MsChapV2 => MsChapV2.ChallengeLength,
            _ => -1,
        };
        if (expected > 0 && challenge.Length != expected)
        {
            _host.Log($"challenge of {challenge.Length} octets ignored, {expected} expected");
            return;
        }
        _identifier = identifier;
        _challenge = challenge.ToArray();
        Span<byte> value = stackalloc byte[MsChapLengths.ResponseValue];
        int valueLength;
        switch (_protocol)
        {
            case PppAuthProtocol.Chap:
            {
                byte[] secret = Encoding.UTF8.GetBytes(_password);
                ChapMd5.ComputeResponse(identifier, secret, challenge, value);
                CryptographicOperations.ZeroMemory(secret);
                valueLength = ChapMd5.ResponseLength;
                break;
            }
            case PppAuthProtocol.MsChapV1:
            {
                Span<byte> lm = stackalloc byte[MsChapV1.ResponseLength];
                Span<byte> nt = stackalloc byte[MsChapV1.ResponseLength];
                lm.Clear(); // RFC 2433 §4: Windows NT and later send no LM response, only the NT one (flag set)
                MsChapV1.NtChallengeResponse(challenge, _password, nt);
                _ntResponse = nt.ToArray();
                MsChapV1Response.TryWrite(value, lm, nt, useNtResponse: true);
                valueLength = MsChapLengths.ResponseValue;
                break;
            }
            default:
            {
                _peerChallenge = RandomNumberGenerator.GetBytes(MsChapV2.ChallengeLength);
                Span<byte> nt = stackalloc byte[MsChapV2.NtResponseLength];
                MsChapV2.GenerateNtResponse(challenge, _peerChallenge, _userName, _password, nt);
                _ntResponse = nt.ToArray();
                MsChapV2Response.TryWrite(value, _peerChallenge, nt);
                valueLength = MsChapLengths.ResponseValue;
                break;
            }
        }
        byte[] packet = new byte[ChapPacket.GetChallengeOrResponseLength(valueLength, _userName.Length)];
        ChapPacket.TryWriteResponse(packet, identifier, value[..valueLength], _userName, out _);
        _lastResponse = packet;
        Transmit(PppProtocol.Chap);
    }

    private void Succeeded(ReadOnlySpan<byte> message)
    {
        if (_protocol != PppAuthProtocol.MsChapV2)
        {
            Finish(true, "CHAP Success", _protocol == PppAuthProtocol.MsChapV1 ? MsChapV1Keys() : null);
            return;
        }
        // RFC 2759 §8.8: the peer authenticates the authenticator; a wrong or missing S= means a rogue server.
        Span<byte> expected = stackalloc byte[MsChapV2.AuthenticatorResponseLength];
        MsChapV2.GenerateAuthenticatorResponse(_password, _ntResponse, _peerChallenge, _challenge, _userName, expected);
        bool valid = MsChapV2SuccessMessage.TryParse(message, out MsChapV2SuccessMessage success) == MsChapV2SuccessMessageError.None
            && success.AuthenticatorResponseEquals(expected);
        if (!valid)
        {
            Finish(false, "MS-CHAPv2 authenticator response invalid: the server does not know the password", null, PppAuthFailure.ServerNotAuthenticated);
            return;
        }
        byte[] send = new byte[MppeKeyDerivation.MasterKeyLength];
        byte[] receive = new byte[MppeKeyDerivation.MasterKeyLength];
        Span<byte> hash = stackalloc byte[PasswordHashes.HashLength];
        PasswordHashes.NtPasswordHash(_password, hash);
        MppeKeyDerivation.DeriveMsChapV2StartKeys(hash, _ntResponse, MppeRole.Client, send, receive);
        CryptographicOperations.ZeroMemory(hash);
        Finish(true, "MS-CHAPv2 Success, server authenticated", new MppeStartKeys(send, receive));
    }

    /// <summary>RFC 3079 §2: the MS-CHAPv1 keys are the same for both roles and directions.</summary>
    private MppeStartKeys MsChapV1Keys()
    {
        byte[] shortKey = new byte[8];
        byte[] longKey = new byte[MppeKeyDerivation.MasterKeyLength];
        MppeKeyDerivation.DeriveMsChapV1StartKey(_password, _challenge, Dataplane.Mppe.MppeKeyStrength.Bits40, shortKey);
        MppeKeyDerivation.DeriveMsChapV1StartKey(_password, _challenge, Dataplane.Mppe.MppeKeyStrength.Bits128, longKey);
        return new MppeStartKeys(longKey, (byte[])longKey.Clone(), shortKey);
    }

    private void Failed(ReadOnlySpan<byte> message)
    {
        if (_protocol is PppAuthProtocol.MsChapV1 or PppAuthProtocol.MsChapV2
            && MsChapFailureMessage.TryParse(message, out MsChapFailureMessage failure) == MsChapFailureMessageError.None)
        {
            string text = $"E={(uint)failure.ErrorCode}";
            int expectedChallenge = _protocol == PppAuthProtocol.MsChapV1 ? MsChapV1.ChallengeLength : MsChapV2.ChallengeLength;
            string? next = failure.RetryAllowed == true && failure.ChallengeLength == expectedChallenge
                ? _credentials.RetryPassword?.Invoke(_retries + 1) : null;
            if (next is not null)
            {
                _retries++;
                _password = next;
                Span<byte> challenge = stackalloc byte[expectedChallenge];
                failure.CopyChallengeTo(challenge);
                _host.AuthenticationFinished(new PppAuthOutcome(false, false, _protocol, _credentials.UserName, $"{text}, retrying", null, null,
                    PppAuthFailure.ServerRefused, failure.ErrorCode));
                // RFC 2433 §6 / RFC 2759 §6: answer the new challenge with the Identifier after the Failure's.
                Respond(unchecked((byte)(_identifier + 1)), challenge);
                return;
            }
            Finish(false, $"MS-CHAP Failure {text}", null, PppAuthFailure.ServerRefused, failure.ErrorCode);
            return;
        }
        Finish(false, $"CHAP Failure: {Encoding.UTF8.GetString(message)}", null, PppAuthFailure.ServerRefused);
    }

    private void Finish(bool succeeded, string reason, MppeStartKeys? keys, PppAuthFailure failure = PppAuthFailure.None,
        MsChapErrorCode? peerErrorCode = null)
    {
        _done = true;
        StopTimer();
        _host.AuthenticationFinished(new PppAuthOutcome(succeeded, true, _protocol, _credentials.UserName, reason, null, keys, failure, peerErrorCode));
    }

    public void Dispose()
    {
        _disposed = true;
        StopTimer();
    }
}
