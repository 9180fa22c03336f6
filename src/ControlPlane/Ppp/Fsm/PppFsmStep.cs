using System.Buffers;

namespace PptpGw.ControlPlane.Ppp.Fsm;

/// <summary>One event delivered to the automaton, for logs and tests (the RFC's "debug ppp negotiation").</summary>
/// <param name="From">State before the event.</param>
/// <param name="Event">The event.</param>
/// <param name="Actions">Actions performed (none for an illegal event).</param>
/// <param name="To">State after the event.</param>
/// <param name="IsIllegal">True for a "-" cell of RFC 1661 §4.1: counted in <see cref="PppFsm.IllegalEventCount"/>, nothing else happens.</param>
public readonly record struct PppFsmStep(PppFsmState From, PppFsmEvent Event, PppFsmActions Actions, PppFsmState To, bool IsIllegal)
{
    public override string ToString() => IsIllegal
        ? $"{Event.ToRfcName()} in {From.ToRfcName()}: illegal event ignored"
        : $"{Event.ToRfcName()} in {From.ToRfcName()}: {(Actions == PppFsmActions.None ? "" : Actions.ToRfcName() + " ")}-> {To.ToRfcName()}";
}
