using PptpGw.Dataplane.Gre;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.Dataplane.Gre;

public class GreTransmitStateTests
{
    private const int Headroom = EnhancedGrePacket.MaxHeaderLength;

    private static (byte[] Buffer, int PayloadLength) Payload(int length = 20)
    {
        var buffer = new byte[Headroom + length];
        for (int i = 0; i < length; i++)
            buffer[Headroom + i] = (byte)(i + 1);
        return (buffer, length);
    }

    [Fact]
    public void DataWithoutOwedAcknowledgmentCarriesOnlyOurSequenceNumberAndThePeersCallId()
    {
        var tx = new GreTransmitState();
        tx.Initialize(peerCallId: 0xBEEF, peerReceiveWindow: 64, initialSequenceNumber: 7);
        var (buffer, length) = Payload();
        int offset = tx.EncapsulateData(buffer, Headroom, length);
        Assert.Equal(Headroom - 12, offset);
        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var packet));
        Assert.True(packet.SequenceNumberPresent);
        Assert.False(packet.AcknowledgmentNumberPresent);
        Assert.Equal(7u, packet.SequenceNumber);
        Assert.Equal(0xBEEF, packet.CallId);
        Assert.Equal(buffer.AsSpan(Headroom, length).ToArray(), packet.Payload.ToArray());
        Assert.Equal(8u, tx.NextSequenceNumber);
        Assert.Equal(1UL, tx.DataPackets);
    }

    [Fact]
    public void OwedAcknowledgmentIsPiggyBackedOnceOnData()
    {
        var tx = new GreTransmitState();
        tx.Initialize(0x1234, 64);
        Assert.True(tx.NoteReceived(41));
        Assert.False(tx.NoteReceived(42)); // still owed: not a new obligation
        var (buffer, length) = Payload();
        int offset = tx.EncapsulateData(buffer, Headroom, length);
        Assert.Equal(0, offset);
        EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var first);
        Assert.True(first.AcknowledgmentNumberPresent);
        Assert.Equal(42u, first.AcknowledgmentNumber);
        Assert.Equal(0u, first.SequenceNumber);
        Assert.False(tx.AcknowledgmentOwed);
        Assert.Equal(42u, tx.LastAcknowledgmentSent);

        (buffer, length) = Payload();
        offset = tx.EncapsulateData(buffer, Headroom, length);
        EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var second);
        Assert.False(second.AcknowledgmentNumberPresent);
        Assert.Equal(1u, second.SequenceNumber);
        Assert.False(tx.NoteReceived(42)); // nothing new since the last acknowledgment sent
        Assert.False(tx.AcknowledgmentOwed);
    }

    [Fact]
    public void ShortHeadroomFailsWithoutConsumingASequenceNumberOrTheAcknowledgment()
    {
        var tx = new GreTransmitState();
        tx.Initialize(1, 64);
        tx.NoteReceived(5);
        var buffer = new byte[40];
        Assert.Equal(-1, tx.EncapsulateData(buffer, 15, 10)); // 16 needed with the acknowledgment
        Assert.Equal(-1, tx.EncapsulateData(buffer, 16, 30)); // payload runs past the buffer
        Assert.Equal(0u, tx.NextSequenceNumber);
        Assert.True(tx.AcknowledgmentOwed);
        Assert.Equal(0, tx.EncapsulateData(buffer, 16, 10));
    }

    [Fact]
    public void SequenceNumbersWrapAt2To32()
    {
        var tx = new GreTransmitState();
        tx.Initialize(1, 0, initialSequenceNumber: 0xFFFF_FFFF);
        var seqs = new List<uint>();
        for (int i = 0; i < 3; i++)
        {
            var (buffer, length) = Payload();
            int offset = tx.EncapsulateData(buffer, Headroom, length);
            EnhancedGrePacket.TryParse(buffer.AsSpan(offset), out var packet);
            seqs.Add(packet.SequenceNumber);
        }
        Assert.Equal([0xFFFF_FFFFu, 0u, 1u], seqs);
        Assert.Equal(3u, tx.Unacknowledged);
        Assert.Equal(GrePeerAcknowledgmentResult.Accepted, tx.OnPeerAcknowledgment(0));
        Assert.Equal(1u, tx.Unacknowledged);
    }

    [Fact]
    public void ExceedingThePeersWindowIsCountedAndSendingGoesOn()
    {
        var tx = new GreTransmitState();
        tx.Initialize(1, peerReceiveWindow: 2);
        for (int i = 0; i < 5; i++)
        {
            var (buffer, length) = Payload();
            Assert.True(tx.EncapsulateData(buffer, Headroom, length) >= 0);
        }
        Assert.Equal(3u, tx.PeerWindowExceeded); // packets 2, 3 and 4 went out with 2 already unacknowledged
        Assert.Equal(GrePeerAcknowledgmentResult.Accepted, tx.OnPeerAcknowledgment(4));
        Assert.Equal(0u, tx.Unacknowledged);
        var (b, l) = Payload();
        tx.EncapsulateData(b, Headroom, l);
        Assert.Equal(3u, tx.PeerWindowExceeded);
    }

    [Fact]
    public void PeerAcknowledgmentsOnlyMoveForwardAndNeverPastWhatWeSent()
    {
        var tx = new GreTransmitState();
        tx.Initialize(1, 64);
        Assert.Equal(GrePeerAcknowledgmentResult.NotSent, tx.OnPeerAcknowledgment(0));
        for (int i = 0; i < 4; i++)
        {
            var (buffer, length) = Payload();
            tx.EncapsulateData(buffer, Headroom, length);
        }
        Assert.Equal(GrePeerAcknowledgmentResult.Accepted, tx.OnPeerAcknowledgment(2));
        Assert.Equal(GrePeerAcknowledgmentResult.Stale, tx.OnPeerAcknowledgment(1));
        Assert.Equal(GrePeerAcknowledgmentResult.Stale, tx.OnPeerAcknowledgment(2));
        Assert.Equal(GrePeerAcknowledgmentResult.NotSent, tx.OnPeerAcknowledgment(4));
        Assert.Equal(2u, tx.PeerAcknowledged);
        Assert.Equal(2u, tx.StalePeerAcknowledgments);
        Assert.Equal(2u, tx.InvalidPeerAcknowledgments);
    }

    [Fact]
    public void AcknowledgmentOnlyPacketHasNoSequenceNumberAndNoPayload()
    {
        var tx = new GreTransmitState();
        tx.Initialize(0x0102, 64);
        var destination = new byte[EnhancedGrePacket.MaxHeaderLength];
        Assert.Equal(0, tx.WriteAcknowledgment(destination)); // nothing received yet
        tx.NoteReceived(0xABCD_0001);
        Assert.Equal(-1, tx.WriteAcknowledgment(destination.AsSpan(0, 11)));
        Assert.True(tx.AcknowledgmentOwed);
        Assert.Equal(12, tx.WriteAcknowledgment(destination));
        Assert.Equal(EnhancedGreError.None, EnhancedGrePacket.TryParse(destination.AsSpan(0, 12), out var packet));
        Assert.False(packet.SequenceNumberPresent);
        Assert.True(packet.AcknowledgmentNumberPresent);
        Assert.Equal(0xABCD_0001u, packet.AcknowledgmentNumber);
        Assert.Equal(0, packet.PayloadLength);
        Assert.Equal(0x0102, packet.CallId);
        Assert.False(tx.AcknowledgmentOwed);
        Assert.Equal(1UL, tx.AcknowledgmentOnlyPackets);
        Assert.Equal(0u, tx.NextSequenceNumber); // acknowledgments consume no sequence number
    }
}
