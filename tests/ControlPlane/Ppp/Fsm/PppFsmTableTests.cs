using System.Globalization;
using PptpGw.ControlPlane.Ppp.Fsm;

namespace PptpGw.Tests.ControlPlane.Ppp.Fsm;

/// <summary>
/// Every cell of RFC 1661 §4.1, driven through a real automaton: reach the state with real events,
/// fire the event, and compare the step, the next state and the observable effects of the actions
/// (packets sent, layer callbacks, Restart counter, timer) with the RFC's text.
/// </summary>
public class PppFsmTableTests
{
    // RFC 1661 §4.1, as printed (the two halves of the table).
    private const string RfcTableStates0To5 = """
              | State
              |    0         1         2         3         4         5
        Events| Initial   Starting  Closed    Stopped   Closing   Stopping
        ------+-----------------------------------------------------------
         Up   |    2     irc,scr/6     -         -         -         -
         Down |    -         -         0       tls/1       0         1
         Open |  tls/1       1     irc,scr/6     3r        5r        5r
         Close|    0       tlf/0       2         2         4         4
              |
          TO+ |    -         -         -         -       str/4     str/5
          TO- |    -         -         -         -       tlf/2     tlf/3
              |
         RCR+ |    -         -       sta/2 irc,scr,sca/8   4         5
         RCR- |    -         -       sta/2 irc,scr,scn/6   4         5
         RCA  |    -         -       sta/2     sta/3       4         5
         RCN  |    -         -       sta/2     sta/3       4         5
              |
         RTR  |    -         -       sta/2     sta/3     sta/4     sta/5
         RTA  |    -         -         2         3       tlf/2     tlf/3
              |
         RUC  |    -         -       scj/2     scj/3     scj/4     scj/5
         RXJ+ |    -         -         2         3         4         5
         RXJ- |    -         -       tlf/2     tlf/3     tlf/2     tlf/3
              |
         RXR  |    -         -         2         3         4         5
        """;

    private const string RfcTableStates6To9 = """
              | State
              |    6         7         8           9
        Events| Req-Sent  Ack-Rcvd  Ack-Sent    Opened
        ------+-----------------------------------------
         Up   |    -         -         -           -
         Down |    1         1         1         tld/1
         Open |    6         7         8           9r
         Close|irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4
              |
          TO+ |  scr/6     scr/6     scr/8         -
          TO- |  tlf/3p    tlf/3p    tlf/3p        -
              |
         RCR+ |  sca/8   sca,tlu/9   sca/8   tld,scr,sca/8
         RCR- |  scn/6     scn/7     scn/6   tld,scr,scn/6
         RCA  |  irc/7     scr/6x  irc,tlu/9   tld,scr/6x
         RCN  |irc,scr/6   scr/6x  irc,scr/8   tld,scr/6x
              |
         RTR  |  sta/6     sta/6     sta/6   tld,zrc,sta/5
         RTA  |    6         6         8       tld,scr/6
              |
         RUC  |  scj/6     scj/7     scj/8       scj/9
         RXJ+ |    6         6         8           9
         RXJ- |  tlf/3     tlf/3     tlf/3   tld,irc,str/5
              |
         RXR  |    6         7         8         ser/9
        """;

    private static readonly Dictionary<string, PppFsmEvent> EventByRfcName = new()
    {
        ["Up"] = PppFsmEvent.Up, ["Down"] = PppFsmEvent.Down, ["Open"] = PppFsmEvent.Open, ["Close"] = PppFsmEvent.Close,
        ["TO+"] = PppFsmEvent.TimeoutPlus, ["TO-"] = PppFsmEvent.TimeoutMinus,
        ["RCR+"] = PppFsmEvent.RcrPlus, ["RCR-"] = PppFsmEvent.RcrMinus, ["RCA"] = PppFsmEvent.Rca, ["RCN"] = PppFsmEvent.Rcn,
        ["RTR"] = PppFsmEvent.Rtr, ["RTA"] = PppFsmEvent.Rta, ["RUC"] = PppFsmEvent.Ruc,
        ["RXJ+"] = PppFsmEvent.RxjPlus, ["RXJ-"] = PppFsmEvent.RxjMinus, ["RXR"] = PppFsmEvent.Rxr,
    };

    private static readonly Dictionary<string, PppFsmActions> ActionByRfcName = new()
    {
        ["tlu"] = PppFsmActions.Tlu, ["tld"] = PppFsmActions.Tld, ["tls"] = PppFsmActions.Tls, ["tlf"] = PppFsmActions.Tlf,
        ["irc"] = PppFsmActions.Irc, ["zrc"] = PppFsmActions.Zrc, ["scr"] = PppFsmActions.Scr, ["sca"] = PppFsmActions.Sca,
        ["scn"] = PppFsmActions.Scn, ["str"] = PppFsmActions.Str, ["sta"] = PppFsmActions.Sta, ["scj"] = PppFsmActions.Scj,
        ["ser"] = PppFsmActions.Ser,
    };

    /// <summary>The RFC's table parsed from its text: [event][state] → cell ("-" is <see cref="PppFsmTransition.IsIllegal"/>).</summary>
    private static readonly Dictionary<(PppFsmEvent, PppFsmState), PppFsmTransition> Rfc = ParseRfcTable();

    private static Dictionary<(PppFsmEvent, PppFsmState), PppFsmTransition> ParseRfcTable()
    {
        var cells = new Dictionary<(PppFsmEvent, PppFsmState), PppFsmTransition>();
        foreach ((string text, int firstState) in new[] { (RfcTableStates0To5, 0), (RfcTableStates6To9, 6) })
        {
            foreach (string line in text.Split('\n'))
            {
                string[] halves = line.Split('|');
                if (halves.Length != 2 || !EventByRfcName.TryGetValue(halves[0].Trim(), out PppFsmEvent fsmEvent))
                    continue;
                string[] columns = halves[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int i = 0; i < columns.Length; i++)
                    cells[(fsmEvent, (PppFsmState)(firstState + i))] = ParseCell(columns[i]);
            }
        }
        return cells;
    }

    private static PppFsmTransition ParseCell(string cell)
    {
        if (cell == "-")
            return PppFsmTransition.Illegal;
        string[] parts = cell.Split('/');
        string stateText = parts[^1].TrimEnd('r', 'p', 'x'); // footnotes: restart, passive, crossed connection
        var actions = PppFsmActions.None;
        if (parts.Length == 2)
        {
            foreach (string name in parts[0].Split(','))
                actions |= ActionByRfcName[name];
        }
        return new PppFsmTransition(actions, (PppFsmState)int.Parse(stateText, CultureInfo.InvariantCulture), false);
    }

    public static TheoryData<PppFsmState, PppFsmEvent> AllCells()
    {
        var data = new TheoryData<PppFsmState, PppFsmEvent>();
        foreach (PppFsmEvent e in Enum.GetValues<PppFsmEvent>())
            foreach (PppFsmState s in Enum.GetValues<PppFsmState>())
                data.Add(s, e);
        return data;
    }

    [Fact]
    public void TheRfcTextHasEveryCell()
    {
        Assert.Equal(PppFsmNames.EventCount * PppFsmNames.StateCount, Rfc.Count);
        Assert.Equal(PppFsmNames.EventCount, Enum.GetValues<PppFsmEvent>().Length);
        Assert.Equal(PppFsmNames.StateCount, Enum.GetValues<PppFsmState>().Length);
    }

    [Theory]
    [MemberData(nameof(AllCells))]
    public void TableMatchesRfc1661(PppFsmState state, PppFsmEvent fsmEvent)
    {
        Assert.Equal(Rfc[(fsmEvent, state)], PppFsmTable.Lookup(state, fsmEvent));
    }

    [Theory]
    [MemberData(nameof(AllCells))]
    public void AutomatonPerformsTheCell(PppFsmState state, PppFsmEvent fsmEvent)
    {
        PppFsmTransition expected = Rfc[(fsmEvent, state)];
        using var h = new FsmHarness();
        DriveTo(h, state);
        Assert.Equal(state, h.Fsm.State);
        h.ClearRecords();
        long illegalBefore = h.Fsm.IllegalEventCount;

        bool fired = Fire(h, fsmEvent);

        if (!fired)
        {
            // TO+/TO- need the Restart timer, which RFC 1661 §4.6 runs only in Closing..Ack-Sent: that is why those cells are "-".
            Assert.True(expected.IsIllegal);
            Assert.Empty(h.Steps);
            return;
        }

        PppFsmStep step = Assert.Single(h.Steps);
        if (expected.IsIllegal)
        {
            Assert.True(step.IsIllegal);
            Assert.Equal(state, step.From);
            Assert.Equal(state, h.Fsm.State);
            Assert.Equal(illegalBefore + 1, h.Fsm.IllegalEventCount);
            Assert.Empty(h.Sent);
            Assert.DoesNotContain(h.Layer.Calls, c => c.StartsWith("tl", StringComparison.Ordinal));
            return;
        }

        Assert.Equal(new PppFsmStep(state, fsmEvent, expected.Actions, expected.Next, false), step);
        Assert.Equal(expected.Next, h.Fsm.State);
        Assert.Equal(illegalBefore, h.Fsm.IllegalEventCount);

        // Each action that shows outside the automaton appears exactly once.
        var observed = PppFsmActions.None;
        foreach (byte[] packet in h.Sent)
        {
            PppFsmActions action = packet[0] switch
            {
                PppFsmCode.ConfigureRequest => PppFsmActions.Scr,
                PppFsmCode.ConfigureAck => PppFsmActions.Sca,
                PppFsmCode.ConfigureNak or PppFsmCode.ConfigureReject => PppFsmActions.Scn,
                PppFsmCode.TerminateRequest => PppFsmActions.Str,
                PppFsmCode.TerminateAck => PppFsmActions.Sta,
                PppFsmCode.CodeReject => PppFsmActions.Scj,
                PppFsmCode.EchoReply => PppFsmActions.Ser,
                _ => throw new InvalidOperationException($"unexpected code {packet[0]}"),
            };
            Assert.True((observed & action) == 0, $"{action} performed twice");
            observed |= action;
        }
        foreach (string call in h.Layer.Calls.Where(c => c.StartsWith("tl", StringComparison.Ordinal)))
        {
            PppFsmActions action = ActionByRfcName[call];
            Assert.True((observed & action) == 0, $"{action} performed twice");
            observed |= action;
        }
        Assert.Equal(expected.Actions & ~(PppFsmActions.Irc | PppFsmActions.Zrc), observed);

        int transmissions = h.Sent.Count(p => p[0] is PppFsmCode.ConfigureRequest or PppFsmCode.TerminateRequest);
        if ((expected.Actions & PppFsmActions.Irc) != 0)
        {
            int initial = expected.Next is PppFsmState.Closing or PppFsmState.Stopping
                ? h.Fsm.Options.MaxTerminate : h.Fsm.Options.MaxConfigure;
            Assert.Equal(initial - transmissions, h.Fsm.RestartCounter);
        }
        if ((expected.Actions & PppFsmActions.Zrc) != 0)
            Assert.Equal(0, h.Fsm.RestartCounter);

        bool timerState = expected.Next is PppFsmState.Closing or PppFsmState.Stopping or PppFsmState.ReqSent
            or PppFsmState.AckRcvd or PppFsmState.AckSent;
        Assert.Equal(timerState, h.Fsm.IsRestartTimerRunning);
    }

    /// <summary>Reaches <paramref name="state"/> with ordinary events only.</summary>
    private static void DriveTo(FsmHarness h, PppFsmState state)
    {
        switch (state)
        {
            case PppFsmState.Initial:
                break;
            case PppFsmState.Starting:
                h.Fsm.Open();
                break;
            case PppFsmState.Closed:
                h.Fsm.Up();
                break;
            case PppFsmState.Stopped:
                h.Fsm.Up();
                h.Fsm.Open();
                h.Receive(FsmHarness.CodeRejectOf(PppFsmCode.ConfigureRequest)); // RXJ- in Req-Sent: tlf/3
                break;
            case PppFsmState.Closing:
                h.Fsm.Up();
                h.Fsm.Open();
                h.Fsm.Close();
                break;
            case PppFsmState.Stopping:
                DriveTo(h, PppFsmState.Opened);
                h.Receive(FsmHarness.CodeRejectOf(PppFsmCode.ConfigureRequest)); // RXJ- in Opened: tld,irc,str/5
                break;
            case PppFsmState.ReqSent:
                h.Fsm.Up();
                h.Fsm.Open();
                break;
            case PppFsmState.AckRcvd:
                DriveTo(h, PppFsmState.ReqSent);
                h.Receive(h.AckOfLastRequest());
                break;
            case PppFsmState.AckSent:
                DriveTo(h, PppFsmState.ReqSent);
                h.Receive(FsmHarness.PeerRequest(0x21));
                break;
            case PppFsmState.Opened:
                DriveTo(h, PppFsmState.AckSent);
                h.Receive(h.AckOfLastRequest());
                break;
        }
    }

    private static bool Fire(FsmHarness h, PppFsmEvent fsmEvent)
    {
        switch (fsmEvent)
        {
            case PppFsmEvent.Up: h.Fsm.Up(); break;
            case PppFsmEvent.Down: h.Fsm.Down(); break;
            case PppFsmEvent.Open: h.Fsm.Open(); break;
            case PppFsmEvent.Close: h.Fsm.Close(); break;
            case PppFsmEvent.TimeoutPlus:
            case PppFsmEvent.TimeoutMinus:
                if (!h.Fsm.IsRestartTimerRunning)
                    return false;
                h.Fsm.OverrideRestartCounter(fsmEvent == PppFsmEvent.TimeoutPlus ? 1 : 0);
                h.Time.Advance(h.Fsm.Options.RestartTimer);
                break;
            case PppFsmEvent.RcrPlus: h.Receive(FsmHarness.PeerRequest(0x41, 1500)); break;
            case PppFsmEvent.RcrMinus:
                h.Layer.AcceptPeerValue = v => v == 1000;
                h.Receive(FsmHarness.PeerRequest(0x42, 1500));
                break;
            case PppFsmEvent.Rca:
                h.Receive(h.LastRequest is null ? FsmHarness.Packet(PppFsmCode.ConfigureAck, 0x43, []) : h.AckOfLastRequest());
                break;
            case PppFsmEvent.Rcn:
                h.Receive(h.LastRequest is null
                    ? FsmHarness.Packet(PppFsmCode.ConfigureNak, 0x44, FsmHarness.ValueOption(1200))
                    : h.NakOfLastRequest(1200));
                break;
            case PppFsmEvent.Rtr: h.Receive(FsmHarness.Packet(PppFsmCode.TerminateRequest, 0x45, [])); break;
            case PppFsmEvent.Rta: h.Receive(FsmHarness.Packet(PppFsmCode.TerminateAck, 0x46, [])); break;
            case PppFsmEvent.Ruc: h.Receive(FsmHarness.Packet(0x30, 0x47, [1, 2, 3])); break;
            case PppFsmEvent.RxjPlus: h.Receive(FsmHarness.CodeRejectOf(PppFsmCode.EchoRequest)); break;
            case PppFsmEvent.RxjMinus: h.Receive(FsmHarness.CodeRejectOf(PppFsmCode.ConfigureRequest)); break;
            case PppFsmEvent.Rxr: h.Receive(FsmHarness.Packet(PppFsmCode.EchoRequest, 0x48, [0, 0, 0, 0, 9, 9])); break;
        }
        return true;
    }

    [Fact]
    public void RfcNamesFollowTheRfc()
    {
        Assert.Equal("Req-Sent", PppFsmState.ReqSent.ToRfcName());
        Assert.Equal("RCR-", PppFsmEvent.RcrMinus.ToRfcName());
        Assert.Equal("tld,scr,sca", (PppFsmActions.Sca | PppFsmActions.Tld | PppFsmActions.Scr).ToRfcName());
        Assert.Equal("tld,irc,str/4", PppFsmTable.Lookup(PppFsmState.Opened, PppFsmEvent.Close).ToString());
        Assert.Equal("-", PppFsmTable.Lookup(PppFsmState.Initial, PppFsmEvent.Down).ToString());
    }
}
