using System.Text;
using Microsoft.Extensions.Time.Testing;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Fsm;

namespace PptpGw.Tests.ControlPlane.Ppp.Fsm;

public class PppFsmScenarioTests
{
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(3);

    /// <summary>Two automata joined by a wire that queues packets, as a network would.</summary>
    private sealed class Loopback : IDisposable
    {
        private readonly Queue<(bool ToA, byte[] Packet)> _wire = new();

        public Loopback(FakeTimeProvider? time = null, Lock? sharedLock = null, bool synchronous = false)
        {
            Time = time ?? new FakeTimeProvider();
            A = new PppFsm("A", LayerA, p => Carry(toA: false, p), Time, syncRoot: sharedLock);
            B = new PppFsm("B", LayerB, p => Carry(toA: true, p), Time, syncRoot: sharedLock);
            Synchronous = synchronous;
        }

        public FakeTimeProvider Time { get; }
        public TestLayer LayerA { get; } = new();
        public TestLayer LayerB { get; } = new();
        public PppFsm A { get; }
        public PppFsm B { get; }
        public bool Synchronous { get; }
        /// <summary>When set, packets towards B are lost.</summary>
        public bool DropToB { get; set; }
        public List<(bool ToA, byte[] Packet)> Trace { get; } = [];

        private void Carry(bool toA, ReadOnlySpan<byte> packet)
        {
            byte[] copy = packet.ToArray();
            Trace.Add((toA, copy));
            if (!toA && DropToB)
                return;
            if (Synchronous)
                (toA ? A : B).ReceivePacket(copy); // re-enters the sender while it is mid-transition
            else
                _wire.Enqueue((toA, copy));
        }

        public int Pump()
        {
            int delivered = 0;
            while (_wire.TryDequeue(out var item))
            {
                (item.ToA ? A : B).ReceivePacket(item.Packet);
                Assert.True(++delivered < 1000, "negotiation does not converge");
            }
            return delivered;
        }

        public void StartBoth()
        {
            A.Up(); A.Open();
            B.Up(); B.Open();
        }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    [Fact]
    public void TwoAutomataReachOpened()
    {
        using var link = new Loopback();
        link.LayerA.OurValue = 1400;
        link.LayerB.OurValue = 1300;
        link.StartBoth();
        link.Pump();

        Assert.Equal(PppFsmState.Opened, link.A.State);
        Assert.Equal(PppFsmState.Opened, link.B.State);
        Assert.Equal(["rca", "tlu"], link.LayerA.Calls.Where(c => c is "tlu" or "rca"));
        Assert.Equal((ushort)1300, link.LayerA.PeerValue);
        Assert.Equal((ushort)1400, link.LayerB.PeerValue);
        Assert.False(link.A.IsRestartTimerRunning);
        Assert.False(link.B.IsRestartTimerRunning);
        // Opened is quiet: no timer, no retransmission.
        int before = link.Trace.Count;
        link.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(before, link.Trace.Count);
    }

    [Fact]
    public void NakAndRejectConvergeToOpened()
    {
        using var link = new Loopback();
        link.LayerA.OurValue = 1000;
        link.LayerB.AcceptPeerValue = v => v == 1400; // B Naks A's value and suggests 1400
        link.LayerB.PreferredPeerValue = 1400;
        link.LayerA.AcceptFlag = false;               // A Rejects B's Flag option
        link.StartBoth();
        link.Pump();

        Assert.Equal(PppFsmState.Opened, link.A.State);
        Assert.Equal(PppFsmState.Opened, link.B.State);
        Assert.Equal((ushort)1400, link.LayerA.OurValue);
        Assert.Equal((ushort)1400, link.LayerB.PeerValue);
        Assert.False(link.LayerB.SendFlag);
        Assert.Contains(link.Trace, t => t.ToA && t.Packet[0] == PppFsmCode.ConfigureNak);
        Assert.Contains(link.Trace, t => !t.ToA && t.Packet[0] == PppFsmCode.ConfigureReject);
    }

    [Fact]
    public void SynchronousLoopbackWithSharedLockReachesOpened()
    {
        // Each output calls straight into the peer, which answers from inside the sender's transition:
        // the automaton must queue the re-entrant packets and never interleave two transitions.
        var shared = new Lock();
        using var link = new Loopback(sharedLock: shared, synchronous: true);
        var stepsA = new List<PppFsmStep>();
        link.A.Observer = stepsA.Add;
        link.StartBoth();
        // A's first request reached B while B was still Initial (illegal, ignored): A's retransmission completes it.
        Assert.NotEqual(PppFsmState.Opened, link.A.State);
        link.Time.Advance(Restart);

        Assert.Equal(PppFsmState.Opened, link.A.State);
        Assert.Equal(PppFsmState.Opened, link.B.State);
        for (int i = 1; i < stepsA.Count; i++)
            Assert.Equal(stepsA[i - 1].To, stepsA[i].From);
    }

    [Fact]
    public void LostPacketsAreRecoveredByTheRestartTimer()
    {
        using var link = new Loopback();
        link.DropToB = true;
        link.StartBoth();
        link.Pump();
        Assert.NotEqual(PppFsmState.Opened, link.A.State);
        link.DropToB = false;
        for (int i = 0; i < 3 && link.A.State != PppFsmState.Opened; i++)
        {
            link.Time.Advance(Restart);
            link.Pump();
        }
        Assert.Equal(PppFsmState.Opened, link.A.State);
        Assert.Equal(PppFsmState.Opened, link.B.State);
    }

    [Fact]
    public void PeerThatNeverAnswersGivesUpAfterMaxConfigure()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        var sendTimes = new List<DateTimeOffset> { h.Time.GetUtcNow() };
        for (int i = 0; i < 20; i++)
        {
            int before = h.Sent.Count;
            h.Time.Advance(Restart);
            if (h.Sent.Count > before)
                sendTimes.Add(h.Time.GetUtcNow());
        }

        Assert.Equal(10, h.SentWithCode(PppFsmCode.ConfigureRequest).Count()); // Max-Configure
        Assert.Equal(10, sendTimes.Count);
        for (int i = 1; i < sendTimes.Count; i++)
            Assert.Equal(Restart, sendTimes[i] - sendTimes[i - 1]);
        Assert.Equal(10, h.Sent.Select(p => p[1]).Distinct().Count()); // a fresh Identifier per transmission
        Assert.Equal(PppFsmState.Stopped, h.Fsm.State);
        Assert.Equal(["tlf"], h.Layer.Calls);
        Assert.False(h.Fsm.IsRestartTimerRunning);
        PppFsmStep last = h.Steps[^1];
        Assert.Equal((PppFsmEvent.TimeoutMinus, PppFsmState.ReqSent, PppFsmState.Stopped), (last.Event, last.From, last.To));
    }

    [Fact]
    public void StoppedAnswersALatePeerRequest()
    {
        using var h = new FsmHarness(new PppFsmOptions { MaxConfigure = 1 });
        h.Fsm.Up();
        h.Fsm.Open();
        h.Time.Advance(Restart);
        Assert.Equal(PppFsmState.Stopped, h.Fsm.State);
        h.ClearRecords();

        h.Receive(FsmHarness.PeerRequest(0x10)); // RCR+ in Stopped: irc,scr,sca/8
        Assert.Equal(PppFsmState.AckSent, h.Fsm.State);
        Assert.Equal([PppFsmCode.ConfigureRequest, PppFsmCode.ConfigureAck], h.Sent.Select(p => p[0]));
        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
    }

    [Fact]
    public void NakLoopBeyondMaxFailureBecomesReject()
    {
        using var h = new FsmHarness();
        h.Layer.AcceptPeerValue = v => v == 1000; // the peer insists on 1500
        h.Fsm.Up();
        h.Fsm.Open();
        h.ClearRecords();

        byte[] request = FsmHarness.PeerRequest(0, 1500);
        for (int i = 0; i < 8; i++)
        {
            request[1] = (byte)(0x20 + i);
            h.Receive(request);
        }

        byte[][] replies = h.Sent.Where(p => p[0] is PppFsmCode.ConfigureNak or PppFsmCode.ConfigureReject).ToArray();
        Assert.Equal(8, replies.Length);
        // Max-Failure = 5 Naks, then every further Nak is a Reject of the peer's own option, verbatim (§4.6).
        Assert.All(replies[..5], r => Assert.Equal(FsmHarness.Packet(PppFsmCode.ConfigureNak, r[1], FsmHarness.ValueOption(1000)), r));
        Assert.All(replies[5..], r => Assert.Equal(FsmHarness.Packet(PppFsmCode.ConfigureReject, r[1], FsmHarness.ValueOption(1500)), r));
        Assert.Equal(Enumerable.Range(0x20, 8).Select(i => (byte)i), replies.Select(r => r[1])); // the request's Identifier
        Assert.Equal(0, h.Fsm.FailureCounter);
        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State);

        // A Configure-Ack sent resets the count: the next bad request is Nak'd again.
        h.Receive(FsmHarness.PeerRequest(0x30, 1000));
        Assert.Equal(PppFsmState.AckSent, h.Fsm.State);
        Assert.Equal(5, h.Fsm.FailureCounter);
        h.Receive(FsmHarness.PeerRequest(0x31, 1500));
        Assert.Equal(PppFsmCode.ConfigureNak, h.Sent[^1][0]);
    }

    [Fact]
    public void CloseInOpenedTerminatesWithReason()
    {
        using var h = OpenedHarness();
        h.Fsm.Close("admin");

        Assert.Equal(PppFsmState.Closing, h.Fsm.State);
        Assert.Equal(["tld"], h.Layer.Calls);
        byte[] terminate = Assert.Single(h.Sent);
        Assert.Equal(FsmHarness.Packet(PppFsmCode.TerminateRequest, terminate[1], Encoding.UTF8.GetBytes("admin")), terminate);

        h.Receive(FsmHarness.Packet(PppFsmCode.TerminateAck, terminate[1], []));
        Assert.Equal(PppFsmState.Closed, h.Fsm.State);
        Assert.Equal(["tld", "tlf"], h.Layer.Calls);
        Assert.False(h.Fsm.IsRestartTimerRunning);
    }

    [Fact]
    public void UnansweredTerminateRequestGivesUpAfterMaxTerminate()
    {
        using var h = OpenedHarness();
        h.Fsm.Close();
        for (int i = 0; i < 5; i++)
            h.Time.Advance(Restart);

        Assert.Equal(2, h.SentWithCode(PppFsmCode.TerminateRequest).Count()); // Max-Terminate
        Assert.Equal(PppFsmState.Closed, h.Fsm.State);
        Assert.Equal(["tld", "tlf"], h.Layer.Calls);
    }

    [Fact]
    public void PeerTerminateRequestInOpenedWaitsOneRestartPeriod()
    {
        using var h = OpenedHarness();
        h.Receive(FsmHarness.Packet(PppFsmCode.TerminateRequest, 0x77, [1, 2]));

        // tld,zrc,sta/5: the Terminate-Ack answers with the request's Identifier; zrc keeps the timer for one period.
        Assert.Equal(PppFsmState.Stopping, h.Fsm.State);
        Assert.Equal([FsmHarness.Packet(PppFsmCode.TerminateAck, 0x77, [])], h.Sent);
        Assert.Equal(0, h.Fsm.RestartCounter);
        h.Time.Advance(Restart - TimeSpan.FromMilliseconds(1));
        Assert.Equal(PppFsmState.Stopping, h.Fsm.State);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(PppFsmState.Stopped, h.Fsm.State);
        Assert.Equal(["tld", "tlf"], h.Layer.Calls);
        Assert.Single(h.Sent); // TO- sends nothing

        h.Fsm.Down(); // Down in Stopped: tls/1
        Assert.Equal(PppFsmState.Starting, h.Fsm.State);
        Assert.Equal(["tld", "tlf", "tls"], h.Layer.Calls);
    }

    [Fact]
    public void TerminateRequestDuringNegotiationIsAcknowledged()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.Receive(FsmHarness.PeerRequest(0x11));
        h.ClearRecords();
        h.Receive(FsmHarness.Packet(PppFsmCode.TerminateRequest, 0x12, []));
        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State); // sta/6
        Assert.Equal([FsmHarness.Packet(PppFsmCode.TerminateAck, 0x12, [])], h.Sent);
    }

    [Fact]
    public void StaleRepliesAreIgnored()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        byte firstId = h.LastRequestId;
        byte[] firstOptions = h.LastRequestOptions;
        h.Time.Advance(Restart); // TO+: retransmission with a fresh Identifier
        byte secondId = h.LastRequestId;
        Assert.NotEqual(firstId, secondId);
        Assert.Equal(firstOptions, h.LastRequestOptions);
        h.ClearRecords();

        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureAck, firstId, firstOptions));      // reply to the older copy
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureAck, (byte)(secondId + 1), firstOptions));
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureAck, secondId, FsmHarness.ValueOption(999))); // not our options
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureNak, firstId, FsmHarness.ValueOption(1200)));
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureReject, firstId, FsmHarness.ValueOption(1000)));
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureReject, secondId, [9, 2]));          // not a subset of our request

        Assert.Equal(6, h.Fsm.DiscardedPacketCount);
        Assert.Empty(h.Steps);
        Assert.Empty(h.Sent);
        Assert.Empty(h.Layer.Calls);
        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State);

        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.AckRcvd, h.Fsm.State);
        Assert.Equal(["rca"], h.Layer.Calls);
    }

    [Fact]
    public void ConfigureRejectRemovesOptionsFromTheNextRequest()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        Assert.Equal([TestLayer.ValueOption, 4, 0x03, 0xE8, TestLayer.FlagOption, 2], h.LastRequestOptions);
        byte rejectedId = h.LastRequestId;
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureReject, rejectedId, [TestLayer.FlagOption, 2]));

        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State); // irc,scr/6
        Assert.NotEqual(rejectedId, h.LastRequestId);
        Assert.Equal([TestLayer.ValueOption, 4, 0x03, 0xE8], h.LastRequestOptions);
    }

    [Fact]
    public void RestartTimerIsRestartedByEachTransmission()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        Assert.Equal(9, h.Fsm.RestartCounter); // irc = 10, the first scr counts
        h.Time.Advance(TimeSpan.FromSeconds(2));
        h.Receive(h.NakOfLastRequest(1200)); // RCN in Req-Sent: irc,scr/6 restarts the timer and the counter
        Assert.Equal(9, h.Fsm.RestartCounter);
        Assert.Equal((ushort)1200, h.Layer.OurValue);
        Assert.Equal(FsmHarness.ValueOption(1200), h.LastRequestOptions.AsSpan(0, 4).ToArray());
        int sent = h.Sent.Count;

        h.Time.Advance(Restart - TimeSpan.FromMilliseconds(1));
        Assert.Equal(sent, h.Sent.Count); // the old deadline (t=3 s) has no effect
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(sent + 1, h.Sent.Count);
        Assert.Equal(8, h.Fsm.RestartCounter);

        // Ack-Rcvd keeps the timer: the peer acked but never sent its own request → TO+ → scr/6.
        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.AckRcvd, h.Fsm.State);
        Assert.Equal(10, h.Fsm.RestartCounter); // irc/7
        h.Time.Advance(Restart);
        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State);
        Assert.Equal(PppFsmCode.ConfigureRequest, h.Sent[^1][0]);
    }

    [Fact]
    public void DownAndUpInOpenedRenegotiate()
    {
        using var h = OpenedHarness();
        h.Fsm.Down();
        Assert.Equal(PppFsmState.Starting, h.Fsm.State);
        Assert.Equal(["tld"], h.Layer.Calls);
        Assert.Empty(h.Sent);
        Assert.False(h.Fsm.IsRestartTimerRunning);

        h.Fsm.Up();
        Assert.Equal(PppFsmState.ReqSent, h.Fsm.State);
        Assert.Equal(PppFsmCode.ConfigureRequest, Assert.Single(h.Sent)[0]);
        h.Receive(FsmHarness.PeerRequest(0x50));
        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
        Assert.Equal(["tld", "rca", "tlu"], h.Layer.Calls);
    }

    [Fact]
    public void RenegotiationInOpenedTakesTheLayerDown()
    {
        using var h = OpenedHarness();
        h.Receive(FsmHarness.PeerRequest(0x51, 1234)); // RCR+ in Opened: tld,scr,sca/8
        Assert.Equal(PppFsmState.AckSent, h.Fsm.State);
        Assert.Equal(["tld"], h.Layer.Calls);
        Assert.Equal([PppFsmCode.ConfigureRequest, PppFsmCode.ConfigureAck], h.Sent.Select(p => p[0]));
        Assert.Equal(FsmHarness.Packet(PppFsmCode.ConfigureAck, 0x51, FsmHarness.ValueOption(1234)), h.Sent[1]);
        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
        Assert.Equal((ushort)1234, h.Layer.PeerValue);
    }

    [Fact]
    public void UnknownCodeIsCodeRejectedTruncatedToPeerMru()
    {
        using var h = OpenedHarness();
        h.Fsm.PeerMru = 64;
        byte[] unknown = FsmHarness.Packet(0x42, 0x99, Enumerable.Range(0, 196).Select(i => (byte)i).ToArray());
        h.Receive(unknown);

        byte[] reject = Assert.Single(h.Sent);
        Assert.Equal(64, reject.Length);
        Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(reject, out PppControlPacket parsed));
        Assert.Equal(PppFsmCode.CodeReject, parsed.Code);
        Assert.Equal(64, parsed.Length);
        Assert.Equal(unknown[..60], parsed.Data.ToArray()); // the rejected packet from its Code on
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);

        h.ClearRecords();
        byte[] small = FsmHarness.Packet(0x42, 0x9A, [1, 2, 3]);
        h.Receive([.. small, 0xEE, 0xEE]); // octets past Length are padding and not part of the packet
        Assert.Equal(small, Assert.Single(h.Sent)[PppControlPacket.HeaderLength..]);
    }

    [Fact]
    public void EchoRequestIsAnsweredOnlyInOpened()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.ClearRecords();
        byte[] echo = FsmHarness.Packet(PppFsmCode.EchoRequest, 0x61, [1, 2, 3, 4, 5]);
        h.Receive(echo);
        Assert.Empty(h.Sent); // RXR in Req-Sent: 6

        h.Receive(FsmHarness.PeerRequest(0x62));
        h.Receive(h.AckOfLastRequest());
        h.ClearRecords();
        h.Receive(echo);
        Assert.Equal([FsmHarness.Packet(PppFsmCode.EchoReply, 0x61, [1, 2, 3, 4, 5])], h.Sent);
        h.Receive(FsmHarness.Packet(PppFsmCode.DiscardRequest, 0x63, [9]));
        Assert.Single(h.Sent); // ser writes nothing for a Discard-Request
        h.Receive(FsmHarness.Packet(PppFsmCode.EchoReply, 0x64, [1, 2, 3, 4]));
        Assert.Equal(1, h.Layer.EchoRepliesReceived); // the layer handled it itself
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
    }

    [Fact]
    public void CodeRejectOfEssentialCodeIsCatastrophic()
    {
        using var h = OpenedHarness();
        h.Layer.EssentialExtendedCodes.Add(PppFsmCode.EchoRequest);
        h.Receive(FsmHarness.CodeRejectOf(PppFsmCode.EchoRequest)); // the layer says it cannot live without it: RXJ-
        Assert.Equal(PppFsmState.Stopping, h.Fsm.State);
        Assert.Equal(["tld"], h.Layer.Calls);
        Assert.Equal(PppFsmCode.TerminateRequest, Assert.Single(h.Sent)[0]);
        Assert.Equal(PppFsmEvent.RxjMinus, h.Steps[^1].Event);
    }

    [Fact]
    public void ProtocolRejectFollowsTheLayersJudgement()
    {
        using var h = OpenedHarness();
        h.Receive(FsmHarness.Packet(PppFsmCode.ProtocolReject, 0x70, [0x80, 0x21, 1, 1, 0, 4])); // IPCP rejected: RXJ+
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
        Assert.Equal(PppFsmEvent.RxjPlus, h.Steps[^1].Event);

        h.Receive(FsmHarness.Packet(PppFsmCode.ProtocolReject, 0x71, [0xC0, 0x21, 1, 1, 0, 4])); // LCP rejected: RXJ-
        Assert.Equal(PppFsmState.Stopping, h.Fsm.State);
        Assert.Equal(PppFsmEvent.RxjMinus, h.Steps[^1].Event);
    }

    [Fact]
    public void ProtocolRejectedIsRxjMinusForAnNcp()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.Fsm.ProtocolRejected(); // LCP saw a Protocol-Reject of this protocol
        Assert.Equal(PppFsmState.Stopped, h.Fsm.State);
        Assert.Equal(["tlf"], h.Layer.Calls);
        Assert.False(h.Fsm.IsRestartTimerRunning);
    }

    [Fact]
    public void EventsFromCallbacksRunAfterTheCurrentTransition()
    {
        using var h = new FsmHarness();
        h.Layer.OnUp = () => h.Fsm.Close("from tlu");
        h.Fsm.Up();
        h.Fsm.Open();
        h.Receive(FsmHarness.PeerRequest(0x01));
        h.Receive(h.AckOfLastRequest());

        Assert.Equal(PppFsmState.Closing, h.Fsm.State);
        PppFsmStep[] last = h.Steps.TakeLast(2).ToArray();
        Assert.Equal((PppFsmEvent.Rca, PppFsmState.AckSent, PppFsmState.Opened), (last[0].Event, last[0].From, last[0].To));
        Assert.Equal((PppFsmEvent.Close, PppFsmState.Opened, PppFsmState.Closing), (last[1].Event, last[1].From, last[1].To));
        Assert.Equal(["rca", "tlu", "tld"], h.Layer.Calls);
    }

    [Fact]
    public void IllegalEventsAreCountedNotThrown()
    {
        using var h = new FsmHarness();
        h.Receive(FsmHarness.PeerRequest(1)); // Initial: the lower layer is down
        h.Fsm.Down();
        Assert.Equal(2, h.Fsm.IllegalEventCount);
        Assert.Equal(PppFsmState.Initial, h.Fsm.State);
        Assert.All(h.Steps, s => Assert.True(s.IsIllegal));
        Assert.Empty(h.Sent);
    }

    [Fact]
    public void MalformedPacketsAreDiscarded()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.ClearRecords();
        h.Receive([1, 2, 0]);                                             // shorter than the header
        h.Receive([1, 2, 0, 3]);                                          // Length below 4
        h.Receive([1, 2, 0, 9, 1, 4]);                                    // Length beyond the data
        h.Receive(FsmHarness.Packet(PppFsmCode.ConfigureRequest, 3, [1, 9, 0])); // option overruns: the layer discards
        h.Receive(FsmHarness.Packet(PppFsmCode.CodeReject, 4, []));       // Code-Reject without the rejected packet
        Assert.Equal(5, h.Fsm.DiscardedPacketCount);
        Assert.Empty(h.Sent);
        Assert.Empty(h.Steps);
    }

    [Fact]
    public void DisposeStopsTheTimerAndIgnoresEvents()
    {
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.Fsm.Dispose();
        h.ClearRecords();
        h.Time.Advance(TimeSpan.FromSeconds(30));
        h.Receive(FsmHarness.PeerRequest(1));
        h.Fsm.Close();
        Assert.Empty(h.Sent);
        Assert.Empty(h.Steps);
        Assert.False(h.Fsm.SendPacket(PppFsmCode.EchoRequest, 1, []));
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var layer = new TestLayer();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PppFsm("X", layer, _ => { }, TimeProvider.System, new PppFsmOptions { MaxConfigure = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PppFsm("X", layer, _ => { }, TimeProvider.System, new PppFsmOptions { RestartTimer = TimeSpan.Zero }));
        using var fsm = new PppFsm("X", layer, _ => { }, TimeProvider.System);
        Assert.Equal(TimeSpan.FromSeconds(3), fsm.Options.RestartTimer);
        Assert.Equal((2, 10, 5), (fsm.Options.MaxTerminate, fsm.Options.MaxConfigure, fsm.Options.MaxFailure));
    }

    private static FsmHarness OpenedHarness()
    {
        var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        h.Receive(FsmHarness.PeerRequest(0x01));
        h.Receive(h.AckOfLastRequest());
        Assert.Equal(PppFsmState.Opened, h.Fsm.State);
        h.ClearRecords();
        return h;
    }
}
