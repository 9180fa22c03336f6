using CsCheck;
using PptpGw.ControlPlane.Ppp.Fsm;

namespace PptpGw.Tests.ControlPlane.Ppp.Fsm;

public class PppFsmPropertyTests
{
    private readonly record struct Op(int Kind, byte Code, byte Identifier, byte[] Data);

    private static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Int[0, 10], Gen.Byte[0, 16], Gen.Byte, Gen.Byte.Array[0, 24], (k, c, i, d) => new Op(k, c, i, d));

    private static bool TimerStateFor(PppFsmState state) =>
        state is PppFsmState.Closing or PppFsmState.Stopping or PppFsmState.ReqSent or PppFsmState.AckRcvd or PppFsmState.AckSent;

    private static void Apply(FsmHarness h, Op op)
    {
        switch (op.Kind)
        {
            case 0: h.Fsm.Up(); break;
            case 1: h.Fsm.Down(); break;
            case 2: h.Fsm.Open(); break;
            case 3: h.Fsm.Close(); break;
            case 4: h.Time.Advance(TimeSpan.FromSeconds(op.Code % 4)); break;
            case 5: h.Receive(op.Data); break; // arbitrary octets
            case 6: h.Receive(FsmHarness.Packet(op.Code, op.Identifier, op.Data)); break; // well-framed, any code and data
            case 7: // a reply carrying our latest Identifier, so that it gets past the stale check
                h.Receive(FsmHarness.Packet((byte)(2 + op.Code % 3), h.LastRequest?[1] ?? op.Identifier,
                    op.Code % 2 == 0 && h.LastRequest is not null ? h.LastRequestOptions : op.Data));
                break;
            case 8: h.Receive(FsmHarness.PeerRequest(op.Identifier, (ushort)(op.Code % 2 == 0 ? 1000 : 1500))); break;
            case 9: h.Fsm.ProtocolRejected(); break;
            default: h.Layer.AcceptPeerValue = v => v == 1000 || op.Code % 2 == 0; break;
        }
    }

    [Fact]
    public void NoSequenceOfEventsOrPacketsThrows()
    {
        GenOp.List[1, 80].Sample(ops =>
        {
            using var h = new FsmHarness();
            foreach (Op op in ops)
            {
                Apply(h, op);
                PppFsmState state = h.Fsm.State;
                Assert.True(Enum.IsDefined(state));
                Assert.Equal(TimerStateFor(state), h.Fsm.IsRestartTimerRunning);
                Assert.InRange(h.Fsm.RestartCounter, 0, h.Fsm.Options.MaxConfigure);
            }
            // Transitions chain: each step starts where the previous one ended (none was lost or interleaved).
            for (int i = 1; i < h.Steps.Count; i++)
                Assert.Equal(h.Steps[i - 1].To, h.Steps[i].From);
            // Nothing we send is malformed.
            Assert.All(h.Sent, p => Assert.Equal(PptpGw.ControlPlane.Ppp.PppPacketError.None,
                PptpGw.ControlPlane.Ppp.PppControlPacket.TryParse(p, out _)));
        }, iter: 400);
    }

    [Fact]
    public void ConcurrentDeliveryIsSerialised()
    {
        // Packets, administrative events and timer callbacks from three threads at once.
        using var h = new FsmHarness();
        h.Fsm.Up();
        h.Fsm.Open();
        var threads = new[]
        {
            new Thread(() => { for (int i = 0; i < 1500; i++) h.Receive(FsmHarness.PeerRequest((byte)i, (ushort)(i % 3 == 0 ? 1000 : 1500))); }),
            new Thread(() => { for (int i = 0; i < 1500; i++) { if (i % 2 == 0) h.Fsm.Close(); else h.Fsm.Open(); if (i % 50 == 0) { h.Fsm.Down(); h.Fsm.Up(); } } }),
            new Thread(() => { for (int i = 0; i < 1500; i++) h.Time.Advance(TimeSpan.FromSeconds(1)); }),
        };
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) t.Join();

        Assert.True(h.Steps.Count > 3000);
        for (int i = 1; i < h.Steps.Count; i++)
            Assert.Equal(h.Steps[i - 1].To, h.Steps[i].From);
        Assert.Equal(TimerStateFor(h.Fsm.State), h.Fsm.IsRestartTimerRunning);
    }
}
