using System.Net;
using PptpGw.ControlPlane.Pptp.Connection;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

public sealed class PptpStateMachineTests
{
    private static readonly PptpControlConnectionState[] States = Enum.GetValues<PptpControlConnectionState>();
    private static readonly PptpControlConnectionEvent[] Events = Enum.GetValues<PptpControlConnectionEvent>();

    [Theory]
    [InlineData(PptpControlConnectionState.Idle, PptpControlConnectionEvent.Start, PptpControlConnectionState.WaitStartControlConnectionRequest)]
    [InlineData(PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestAccepted, PptpControlConnectionState.Established)]
    [InlineData(PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestRefused, PptpControlConnectionState.WaitStartControlConnectionRequest)]
    [InlineData(PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.StartRequestTimeout, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.Established, PptpControlConnectionEvent.LocalStop, PptpControlConnectionState.WaitStopReply)]
    [InlineData(PptpControlConnectionState.Established, PptpControlConnectionEvent.StopRequestReceived, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.Established, PptpControlConnectionEvent.EchoTimeout, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.StopReplyReceived, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.StopReplyTimeout, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.WaitStopReply, PptpControlConnectionEvent.StopRequestReceived, PptpControlConnectionState.Closed)]
    [InlineData(PptpControlConnectionState.Established, PptpControlConnectionEvent.StreamCorrupt, PptpControlConnectionState.Closed)]
    public void Control_connection_rows(PptpControlConnectionState from, PptpControlConnectionEvent @event, PptpControlConnectionState to) =>
        Assert.Equal(to, PptpStateMachine.Next(from, @event));

    [Fact]
    public void Closed_is_final_and_invalid_events_are_rejected()
    {
        foreach (PptpControlConnectionEvent e in Events)
            Assert.Null(PptpStateMachine.Next(PptpControlConnectionState.Closed, e));
        // A call cannot be placed before the connection exists, nor can SCCRQ be accepted twice.
        Assert.Null(PptpStateMachine.Next(PptpControlConnectionState.Established, PptpControlConnectionEvent.StartRequestAccepted));
        Assert.Null(PptpStateMachine.Next(PptpControlConnectionState.Established, PptpControlConnectionEvent.StopReplyReceived));
        Assert.Null(PptpStateMachine.Next(PptpControlConnectionState.WaitStartControlConnectionRequest, PptpControlConnectionEvent.EchoTimeout));
    }

    [Fact]
    public void Every_open_state_can_reach_Closed_on_transport_failure()
    {
        foreach (PptpControlConnectionState s in States.Where(s => s is not (PptpControlConnectionState.Idle or PptpControlConnectionState.Closed)))
            foreach (PptpControlConnectionEvent e in new[] { PptpControlConnectionEvent.PeerClosed, PptpControlConnectionEvent.StreamCorrupt, PptpControlConnectionEvent.TransportFailure })
                Assert.Equal(PptpControlConnectionState.Closed, PptpStateMachine.Next(s, e));
    }

    [Fact]
    public void Call_rows_follow_RFC_2637_3_2_4_1()
    {
        Assert.Equal(PptpCallState.Established, PptpStateMachine.Next(PptpCallState.WaitDecision, PptpCallEvent.Accepted));
        Assert.Equal(PptpCallState.Cleared, PptpStateMachine.Next(PptpCallState.WaitDecision, PptpCallEvent.Refused));
        Assert.Equal(PptpCallState.Cleared, PptpStateMachine.Next(PptpCallState.WaitDecision, PptpCallEvent.PeerClearRequest));
        Assert.Equal(PptpCallState.Cleared, PptpStateMachine.Next(PptpCallState.Established, PptpCallEvent.PeerClearRequest));
        Assert.Equal(PptpCallState.Cleared, PptpStateMachine.Next(PptpCallState.Established, PptpCallEvent.LocalClear));
        Assert.Null(PptpStateMachine.Next(PptpCallState.Established, PptpCallEvent.Accepted));
        Assert.Null(PptpStateMachine.Next(PptpCallState.WaitDecision, PptpCallEvent.LocalClear));
        foreach (PptpCallEvent e in Enum.GetValues<PptpCallEvent>())
            Assert.Null(PptpStateMachine.Next(PptpCallState.Cleared, e));
    }

    [Fact]
    public void Short_names_are_the_PIX_names()
    {
        Assert.Equal("wt-sccrq", PptpControlConnectionState.WaitStartControlConnectionRequest.ShortName());
        Assert.Equal("estabd", PptpControlConnectionState.Established.ShortName());
        Assert.Equal("wt-vacc", PptpCallState.WaitDecision.ShortName());
        Assert.Equal("SCCRQ-ok", PptpControlConnectionEvent.StartRequestAccepted.TriggerName());
        Assert.Equal("vacc-ok", PptpCallEvent.Accepted.TriggerName());
        Assert.Equal(States.Length, States.Select(s => s.ShortName()).Distinct().Count());
    }
}

public sealed class RoundRobinCallIdSourceTests
{
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress B = IPAddress.Parse("198.18.0.2");

    [Fact]
    public void Ids_are_non_zero_unique_per_peer_and_not_reused_at_once()
    {
        var source = new RoundRobinCallIdSource(capacityPerPeer: 3);
        Assert.True(source.TryAllocate(A, out ushort a1));
        Assert.True(source.TryAllocate(A, out ushort a2));
        Assert.True(source.TryAllocate(A, out ushort a3));
        Assert.Equal(3, new HashSet<ushort> { a1, a2, a3 }.Count);
        Assert.DoesNotContain((ushort)0, new[] { a1, a2, a3 });
        Assert.False(source.TryAllocate(A, out _));
        Assert.True(source.TryAllocate(B, out _));

        source.Release(A, a2);
        Assert.True(source.TryAllocate(A, out ushort a4));
        Assert.NotEqual(a2, a4);
        Assert.Equal(3, source.CountInUse(A));
    }

    [Fact]
    public void Wraps_past_65535_skipping_0_and_ids_in_use()
    {
        var source = new RoundRobinCallIdSource();
        Assert.True(source.TryAllocate(A, out ushort first));
        for (int i = 0; i < ushort.MaxValue - 2; i++)
        {
            Assert.True(source.TryAllocate(B, out ushort id));
            source.Release(B, id);
        }
        // Next for A wraps: 65535, then 1 is taken by A's first id, so 2.
        Assert.True(source.TryAllocate(A, out ushort wrapped));
        Assert.True(source.TryAllocate(A, out ushort afterWrap));
        Assert.Equal((1, ushort.MaxValue, 2), (first, wrapped, afterWrap));
    }
}
