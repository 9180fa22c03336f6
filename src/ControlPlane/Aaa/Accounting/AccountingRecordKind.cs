namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>What an accounting record reports (RFC 2866 §5.1 Acct-Status-Type; RFC 8907 §7.2 START/WATCHDOG/STOP).</summary>
public enum AccountingRecordKind : byte
{
    /// <summary>A session started (RADIUS Start, TACACS+ START).</summary>
    Start = 1,
    /// <summary>A session is still running (RADIUS Interim-Update, RFC 2869 §2.1; TACACS+ WATCHDOG).</summary>
    Interim = 2,
    /// <summary>A session ended (RADIUS Stop, TACACS+ STOP).</summary>
    Stop = 3,
    /// <summary>The gateway started accounting (RADIUS Accounting-On): every session it had before is over.</summary>
    AccountingOn = 4,
    /// <summary>The gateway stops accounting (RADIUS Accounting-Off), sent after the Stops at a clean shutdown.</summary>
    AccountingOff = 5,
}
