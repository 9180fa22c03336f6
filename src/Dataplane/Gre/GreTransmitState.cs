using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Gre;

/// <summary>What <see cref="GreTransmitState.OnPeerAcknowledgment"/> made of an Acknowledgment Number from the peer.</summary>
public enum GrePeerAcknowledgmentResult
{
    /// <summary>The acknowledgment moved forward; it now bounds our unacknowledged packets.</summary>
    Accepted = 0,
    /// <summary>Not after the last one accepted (a reordered or repeated acknowledgment): ignored.</summary>
    Stale,
    /// <summary>Acknowledges a Sequence Number we have not sent yet: ignored.</summary>
    NotSent,
}

/// <summary>
/// Transmit-side enhanced GRE sequencing of one session (RFC 2637 §4.1-§4.2): our next Sequence Number, the
/// acknowledgment we owe the peer, the peer's acknowledgment of our packets, and the peer's receive window.
/// </summary>
/// <remarks>
/// <para>A mutable, reference-free struct kept in a per-session array and used through a <c>ref</c> (56 octets).</para>
/// <para>
/// Peer window (RFC 2637 §4.2: a sender should not have more unacknowledged packets out than the window the peer
/// advertised in its Outgoing-Call-Request, §2.7): at the limit we count <see cref="PeerWindowExceeded"/> and send
/// anyway. A gateway's data path cannot stall a session on a lost acknowledgment (there is no retransmission in
/// PPTP, so holding packets only adds delay and, on a full queue, loss), dropping would turn every lost ack into
/// a window of lost data, and the traffic inside is already congestion-controlled end to end. The Linux kernel
/// and most PNS implementations likewise ignore the peer's window; the counter makes a peer that stops
/// acknowledging visible.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct GreTransmitState
{
    private const byte AckOwedFlag = 1;
    private const byte AckKnownFlag = 2;

    private uint _nextSequence;
    private uint _peerAcknowledged;
    private uint _pendingAck;
    private uint _lastAckSent;
    private ushort _peerCallId;
    private ushort _peerWindow;
    private byte _flags;
    private ulong _dataPackets;
    private ulong _acknowledgmentOnlyPackets;
    private uint _peerWindowExceeded;
    private uint _stalePeerAcknowledgments;
    private uint _invalidPeerAcknowledgments;

    /// <summary>
    /// Starts a session: forgets everything (counters included). <paramref name="peerCallId"/> goes in the Key of
    /// every packet we send (RFC 2637 §4.1, "the Peer's Call ID for the session"); <paramref name="peerReceiveWindow"/>
    /// is the peer's Packet Recv. Window Size (RFC 2637 §2.7/§2.10), 0 when unknown (no check);
    /// <paramref name="initialSequenceNumber"/> is our first Sequence Number (RFC 2637 does not fix it; 0 is usual).
    /// </summary>
    public void Initialize(ushort peerCallId, ushort peerReceiveWindow, uint initialSequenceNumber = 0)
    {
        this = default;
        _peerCallId = peerCallId;
        _peerWindow = peerReceiveWindow;
        _nextSequence = initialSequenceNumber;
        // Nothing is outstanding yet: behave as if the peer had acknowledged the number before our first.
        _peerAcknowledged = unchecked(initialSequenceNumber - 1);
    }

    /// <summary>The peer's Call ID, written in the Key of every packet.</summary>
    public readonly ushort PeerCallId => _peerCallId;
    /// <summary>The peer's receive window; 0 = unknown.</summary>
    public readonly ushort PeerReceiveWindow => _peerWindow;
    /// <summary>The Sequence Number our next data packet will carry.</summary>
    public readonly uint NextSequenceNumber => _nextSequence;
    /// <summary>The highest of our Sequence Numbers the peer has acknowledged (initially the one before our first).</summary>
    public readonly uint PeerAcknowledged => _peerAcknowledged;
    /// <summary>Packets sent and not yet acknowledged by the peer.</summary>
    public readonly uint Unacknowledged => unchecked(_nextSequence - 1 - _peerAcknowledged);
    /// <summary>True when we received data the peer has not yet had an acknowledgment for.</summary>
    public readonly bool AcknowledgmentOwed => (_flags & AckOwedFlag) != 0;
    /// <summary>True once we know an Acknowledgment Number to send (the peer sent us data).</summary>
    public readonly bool HasAcknowledgment => (_flags & AckKnownFlag) != 0;
    /// <summary>The Acknowledgment Number we send next (valid when <see cref="HasAcknowledgment"/>).</summary>
    public readonly uint AcknowledgmentNumber => _pendingAck;
    /// <summary>The last Acknowledgment Number we sent, piggy-backed or alone.</summary>
    public readonly uint LastAcknowledgmentSent => _lastAckSent;

    /// <summary>Data packets encapsulated.</summary>
    public readonly ulong DataPackets => _dataPackets;
    /// <summary>Acknowledgment-only packets written.</summary>
    public readonly ulong AcknowledgmentOnlyPackets => _acknowledgmentOnlyPackets;
    /// <summary>Data packets sent while the peer's window was already full (sent anyway; see remarks).</summary>
    public readonly uint PeerWindowExceeded => _peerWindowExceeded;
    /// <summary>Peer acknowledgments ignored as not newer than the last one.</summary>
    public readonly uint StalePeerAcknowledgments => _stalePeerAcknowledgments;
    /// <summary>Peer acknowledgments ignored because they acknowledge a number we never sent.</summary>
    public readonly uint InvalidPeerAcknowledgments => _invalidPeerAcknowledgments;

    /// <summary>
    /// Records that the receive side now acknowledges <paramref name="lastInOrder"/> (see
    /// <see cref="GreReceiveState.LastInOrder"/>). Returns true when this makes an acknowledgment owed that was
    /// not owed before (the moment the worker schedules an acknowledgment-only packet).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool NoteReceived(uint lastInOrder)
    {
        bool wasOwed = (_flags & AckOwedFlag) != 0;
        _pendingAck = lastInOrder;
        if ((_flags & AckKnownFlag) != 0 && !wasOwed && lastInOrder == _lastAckSent)
            return false;
        _flags |= AckOwedFlag | AckKnownFlag;
        return !wasOwed;
    }

    /// <summary>
    /// True when <paramref name="acknowledgmentNumber"/> lies in what the peer can truthfully acknowledge now: from
    /// its last acknowledgment up to our last Sequence Number sent. A blind attacker who knows the call id but not
    /// our numbering (it starts at a random value) hits this range with probability (outstanding + 1) / 2^32; the
    /// receive side uses it as the evidence a run of beyond-window packets needs before it may resynchronise.
    /// </summary>
    public readonly bool IsPlausibleAcknowledgment(uint acknowledgmentNumber)
    {
        int advance = SequenceNumber.Distance(_peerAcknowledged, acknowledgmentNumber);
        return advance >= 0 && (uint)advance <= Unacknowledged;
    }

    /// <summary>
    /// Takes an Acknowledgment Number from the peer (A bit set, on data or alone). Acknowledgments only move
    /// forward and never past what we sent; anything else is counted and ignored.
    /// </summary>
    public GrePeerAcknowledgmentResult OnPeerAcknowledgment(uint acknowledgmentNumber)
    {
        int advance = SequenceNumber.Distance(_peerAcknowledged, acknowledgmentNumber);
        if (advance <= 0)
        {
            _stalePeerAcknowledgments++;
            return GrePeerAcknowledgmentResult.Stale;
        }
        if ((uint)advance > Unacknowledged)
        {
            _invalidPeerAcknowledgments++;
            return GrePeerAcknowledgmentResult.NotSent;
        }
        _peerAcknowledged = acknowledgmentNumber;
        return GrePeerAcknowledgmentResult.Accepted;
    }

    /// <summary>
    /// Prepends an enhanced GRE data header (RFC 2637 §4.1) to the <paramref name="payloadLength"/> octets at
    /// <paramref name="payloadOffset"/> in <paramref name="buffer"/>: S set with our next Sequence Number, the
    /// peer's Call ID, and, when one is owed, the acknowledgment piggy-backed (A set; RFC 2637 §4.2 "acknowledgments
    /// can be piggybacked on data packets"), which settles it. The header takes 12 octets, or 16 with the
    /// acknowledgment, so keep <see cref="EnhancedGrePacket.MaxHeaderLength"/> octets of headroom. Returns the
    /// offset where the header starts, or -1 (nothing changed) when the headroom is short or the payload is longer
    /// than 65,535 octets.
    /// </summary>
    public int EncapsulateData(Span<byte> buffer, int payloadOffset, int payloadLength)
    {
        bool ack = (_flags & AckOwedFlag) != 0;
        int headerOffset = payloadOffset - EnhancedGreWriter.GetHeaderLength(true, ack);
        if (headerOffset < 0)
            return -1;
        if (EnhancedGreWriter.TryWriteDataHeader(buffer, headerOffset, _peerCallId, payloadLength, _nextSequence,
                ack, _pendingAck) < 0)
            return -1;
        if (_peerWindow != 0 && Unacknowledged >= _peerWindow)
            _peerWindowExceeded++;
        _nextSequence = unchecked(_nextSequence + 1);
        _dataPackets++;
        if (ack)
        {
            _lastAckSent = _pendingAck;
            _flags &= unchecked((byte)~AckOwedFlag);
        }
        return headerOffset;
    }

    /// <summary>
    /// Writes an acknowledgment-only packet (RFC 2637 §4.1: S clear, A set, no payload) acknowledging
    /// <see cref="AcknowledgmentNumber"/>, for when an acknowledgment is owed and no data is going the peer's way
    /// (RFC 2637 §4.4). Returns 12, 0 when there is nothing to acknowledge yet, or -1 when
    /// <paramref name="destination"/> is shorter than 12 octets.
    /// </summary>
    public int WriteAcknowledgment(Span<byte> destination)
    {
        if ((_flags & AckKnownFlag) == 0)
            return 0;
        int length = EnhancedGreWriter.TryWriteAcknowledgment(destination, _peerCallId, _pendingAck);
        if (length < 0)
            return -1;
        _lastAckSent = _pendingAck;
        _flags &= unchecked((byte)~AckOwedFlag);
        _acknowledgmentOnlyPackets++;
        return length;
    }
}
