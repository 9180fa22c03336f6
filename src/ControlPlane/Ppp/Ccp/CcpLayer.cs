using System.Numerics;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.ControlPlane.Ppp.Ccp;

/// <summary>
/// The CCP half of the automaton (RFC 1962) carrying only MPPE (option 18, RFC 3078 §2), for both roles (the negotiation
/// is symmetric). We request the strengths we allow with H per preference; we judge the peer's request down to one
/// strength bit, the strongest we both allow, never C (MPPC) nor D; every other option is rejected. Without MPPE keys
/// (PAP/CHAP, or no <see cref="MppePolicy"/>) CCP opens with no options, as the PIX does. Reset-Request (14) is reported
/// and answered with Reset-Ack (15). Called under the session lock.
/// </summary>
public sealed class CcpLayer : IPppFsmLayer
{
    private const int MaxEmptyRequestNaks = 2;

    private MppePolicy? _policy;
    private readonly IPppLayerEvents _events;

    private MppeSupportedBits _request;
    private bool _mppeRejectedByPeer;
    private bool _statelessRefused;
    private bool _statefulRefused;
    private bool _yieldedToStateless;
    private int _emptyRequestNaks;
    private MppeSupportedBits _ackedOurs;
    private MppeSupportedBits _ackedPeers;

    public CcpLayer(MppePolicy? policy, IPppLayerEvents events)
    {
        ArgumentNullException.ThrowIfNull(events);
        _policy = policy;
        _events = events;
        Reset();
    }

    /// <summary>The automaton, for Reset-Ack; set once by the owner.</summary>
    public PppFsm? Fsm { get; set; }

    /// <summary>
    /// Whether MPPE can be offered: the policy exists and the authentication produced MPPE keys (MS-CHAP). Set before the
    /// automaton opens.
    /// </summary>
    public bool MppeAvailable { get; set; }

    /// <summary>
    /// Narrows the strengths we negotiate to <paramref name="allowed"/> (an AAA server's MS-MPPE-Encryption-Types, RFC 2548
    /// §2.4.5, or the keys it returned: e.g. no 40/56-bit MS-CHAPv1 key). When nothing is left, MPPE is not available.
    /// Called before the automaton opens.
    /// </summary>
    public void RestrictStrengths(MppeSupportedBits allowed)
    {
        if (_policy is null)
            return;
        _policy = _policy with { AllowedStrengths = _policy.AllowedStrengths & allowed & MppePolicy.StrengthBits };
        if (_policy.AllowedStrengths == MppeSupportedBits.None)
            MppeAvailable = false;
        Reset();
    }

    /// <summary>True once the peer Configure-Rejected our MPPE option.</summary>
    public bool MppeRejectedByPeer => _mppeRejectedByPeer;

    /// <summary>The MPPE mode agreed in both directions, valid in Opened; null when CCP opened without MPPE.</summary>
    public MppeNegotiation? Negotiated { get; private set; }

    /// <summary>Reset-Requests received from the peer.</summary>
    public long ResetRequestsReceived { get; private set; }

    private bool Active => _policy is not null && MppeAvailable;

    private void Reset()
    {
        _mppeRejectedByPeer = false;
        _statelessRefused = false;
        _statefulRefused = false;
        _yieldedToStateless = false;
        _emptyRequestNaks = 0;
        _ackedOurs = _ackedPeers = MppeSupportedBits.None;
        Negotiated = null;
        _request = _policy is null ? MppeSupportedBits.None
            : (_policy.AllowedStrengths & MppePolicy.StrengthBits) | (_policy.PreferStateless ? MppeSupportedBits.Stateless : 0);
    }

    // The H bit we want in the peer's request. Both directions must end in the same mode (ThisLayerUp) and we request
    // our preferred one, so the peer's request is steered to it once. That matters when we prefer stateful: pppd always
    // requests H first and, with mppe-stateful, takes a Nak to stateful (2.4.9 ccp_nakci) - without that Nak it acks our
    // stateful request, keeps its own stateless one, and the directions never agree. The tie-break when both sides
    // steer: stateless wins (a stateful-preferring side that is Nak'd to H yields for both directions).
    private bool WantsStateless(MppeSupportedBits peerBits)
    {
        bool peerStateless = (peerBits & MppeSupportedBits.Stateless) != 0;
        return _policy!.PreferStateless
            ? peerStateless || !_statelessRefused
            : _yieldedToStateless || (peerStateless && _statefulRefused);
    }

    public int WriteConfigureRequest(Span<byte> options)
    {
        if (!Active || _mppeRejectedByPeer)
            return 0;
        var writer = new ConfigurationOptionWriter(options);
        return writer.TryWriteMppe(_request) ? writer.BytesWritten : -1;
    }

    public void ReceiveConfigureAck(ReadOnlySpan<byte> options) =>
        _ackedOurs = Active && !_mppeRejectedByPeer ? _request : MppeSupportedBits.None;

    public bool ReceiveConfigureNak(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None
                || CcpOption.TryDecode(raw, out CcpOption option) != CcpOptionError.None)
                return false;
            if (option.Type != CcpOptionType.MicrosoftPointToPoint || !Active)
                continue;
            // RFC 3078 §2: the peer names the one strength (and mode) it wants; take it when we allow it.
            MppeSupportedBits offered = option.SupportedBits;
            MppeSupportedBits strength = MppePolicy.Strongest(offered & _policy!.AllowedStrengths);
            if (strength != MppeSupportedBits.None)
            {
                if (!_policy.PreferStateless && (offered & MppeSupportedBits.Stateless) != 0)
                    _yieldedToStateless = true;
                _request = strength | (offered & MppeSupportedBits.Stateless);
            }
            else
                _events.Log(PppLayerKind.Ccp, $"peer suggests MPPE 0x{(uint)offered:x8}, no strength we allow");
        }
        return true;
    }

    public bool ReceiveConfigureReject(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return false;
            if (raw.Type == (byte)CcpOptionType.MicrosoftPointToPoint)
            {
                _mppeRejectedByPeer = true;
                _events.Log(PppLayerKind.Ccp, "peer rejected MPPE");
            }
        }
        return true;
    }

    public ConfigureVerdict JudgeConfigureRequest(ReadOnlySpan<byte> options, Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        var rejects = new ConfigurationOptionWriter(response);
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return ConfigureVerdict.Discard;
            bool acceptable = Active && raw.Type == (byte)CcpOptionType.MicrosoftPointToPoint
                && CcpOption.TryDecode(raw, out _) == CcpOptionError.None;
            if (!acceptable)
                rejects.TryWriteRaw(raw); // Stac LZS, MPPC-only peers when we have no keys, anything unknown
        }
        if (rejects.BytesWritten > 0)
        {
            responseLength = rejects.BytesWritten;
            return ConfigureVerdict.Reject;
        }

        var naks = new ConfigurationOptionWriter(response);
        MppeSupportedBits peerBits = MppeSupportedBits.None;
        bool sawMppe = false;
        reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            reader.TryReadNext(out ConfigurationOption raw);
            CcpOption.TryDecode(raw, out CcpOption option);
            sawMppe = true;
            peerBits = option.SupportedBits;
            MppeSupportedBits desired = Desired(peerBits);
            if (peerBits != desired)
            {
                if ((desired & MppeSupportedBits.Stateless) != 0 && (peerBits & MppeSupportedBits.Stateless) == 0)
                    _statelessRefused = true; // asked once; if the peer comes back without H, stateful it is
                else if ((desired & MppeSupportedBits.Stateless) == 0 && (peerBits & MppeSupportedBits.Stateless) != 0)
                    _statefulRefused = true; // likewise: if the peer comes back with H, stateless it is
                naks.TryWriteMppe(desired);
            }
        }
        if (!sawMppe && Active && _emptyRequestNaks < MaxEmptyRequestNaks)
        {
            // RFC 1661 §5.3: suggest MPPE to a peer that asked for nothing; after a few refusals take its empty request
            // (tlu then finds no MPPE, which `required` turns into a termination).
            _emptyRequestNaks++;
            naks.TryWriteMppe(Desired(MppeSupportedBits.None));
        }
        if (naks.BytesWritten > 0)
        {
            responseLength = naks.BytesWritten;
            return ConfigureVerdict.Nak;
        }
        _ackedPeers = peerBits;
        return ConfigureVerdict.Ack;
    }

    /// <summary>The single strength and mode we want the peer's request to carry (RFC 3078 §2: one bit in the Nak).</summary>
    private MppeSupportedBits Desired(MppeSupportedBits peerBits)
    {
        MppeSupportedBits common = peerBits & _policy!.AllowedStrengths & MppePolicy.StrengthBits;
        // Nothing in common (e.g. Windows' first 0x01000001, H + MPPC): suggest our own best, as the PIX does (0x01000020).
        MppeSupportedBits strength = MppePolicy.Strongest(common != 0 ? common : _policy.AllowedStrengths);
        return strength | (WantsStateless(peerBits) ? MppeSupportedBits.Stateless : 0);
    }

    public void ThisLayerUp()
    {
        Negotiated = null;
        MppeSupportedBits ours = _ackedOurs & MppePolicy.StrengthBits;
        MppeSupportedBits peers = _ackedPeers & MppePolicy.StrengthBits;
        MppeSupportedBits strength = MppePolicy.Strongest(ours & peers);
        bool oursStateless = (_ackedOurs & MppeSupportedBits.Stateless) != 0;
        bool peersStateless = (_ackedPeers & MppeSupportedBits.Stateless) != 0;
        if (strength != MppeSupportedBits.None && BitOperations.PopCount((uint)peers) == 1 && oursStateless == peersStateless)
            Negotiated = new MppeNegotiation(MppePolicy.ToStrength(strength), oursStateless);
        else if (ours != 0 || peers != 0)
            _events.Log(PppLayerKind.Ccp, $"MPPE inconsistent: ours 0x{(uint)_ackedOurs:x8}, peer's 0x{(uint)_ackedPeers:x8}");
        _events.Log(PppLayerKind.Ccp, Negotiated is { } n ? $"opened: MPPE {(int)n.Strength}-bit {(n.Stateless ? "stateless" : "stateful")}" : "opened without MPPE");
        _events.LayerUp(PppLayerKind.Ccp);
    }

    public void ThisLayerDown()
    {
        Negotiated = null;
        _events.LayerDown(PppLayerKind.Ccp);
    }

    public void ThisLayerStarted() { }

    public void ThisLayerFinished()
    {
        Reset();
        _events.LayerFinished(PppLayerKind.Ccp);
    }

    public ExtendedCodeResult ReceiveExtendedCode(PppControlPacket packet)
    {
        switch ((CcpCode)packet.Code)
        {
            case CcpCode.ResetRequest:
                // RFC 1962 §2.1 / RFC 3078 §3.2: the peer lost sync; the dataplane sets the flushed bit on its next packet.
                if (Fsm?.State != PppFsmState.Opened)
                    return ExtendedCodeResult.Handled;
                ResetRequestsReceived++;
                _events.CcpResetRequested();
                Fsm.SendPacket((byte)CcpCode.ResetAck, packet.Identifier, packet.Data);
                return ExtendedCodeResult.Handled;
            case CcpCode.ResetAck:
                return ExtendedCodeResult.Handled;
            default:
                return ExtendedCodeResult.Unknown;
        }
    }
}
