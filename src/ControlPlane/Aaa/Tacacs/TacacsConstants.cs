namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>The version octet of the header (RFC 8907 §4.1): major version 0xc in the high nibble, minor in the low.</summary>
public static class TacacsVersion
{
    /// <summary>TAC_PLUS_MAJOR_VER (RFC 8907 §4.1).</summary>
    public const byte Major = 0xC;

    /// <summary>TAC_PLUS_MINOR_VER_DEFAULT: authorization, accounting and ASCII login (RFC 8907 §5.4.1).</summary>
    public const byte Default = 0xC0;

    /// <summary>TAC_PLUS_MINOR_VER_ONE: PAP, CHAP and MS-CHAP login (RFC 8907 §5.4.1, Table 1).</summary>
    public const byte One = 0xC1;
}

/// <summary>The header's type field (RFC 8907 §4.1).</summary>
public enum TacacsPacketType : byte
{
    /// <summary>TAC_PLUS_AUTHEN (RFC 8907 §5).</summary>
    Authentication = 0x01,
    /// <summary>TAC_PLUS_AUTHOR (RFC 8907 §6).</summary>
    Authorization = 0x02,
    /// <summary>TAC_PLUS_ACCT (RFC 8907 §7).</summary>
    Accounting = 0x03,
}

/// <summary>The header's flags field (RFC 8907 §4.1); other bits are ignored when reading.</summary>
[Flags]
public enum TacacsHeaderFlags : byte
{
    None = 0,
    /// <summary>TAC_PLUS_UNENCRYPTED_FLAG: the body is not obfuscated (RFC 8907 §4.5: MUST NOT be used in production).</summary>
    Unencrypted = 0x01,
    /// <summary>TAC_PLUS_SINGLE_CONNECT_FLAG: negotiates Single Connection Mode (RFC 8907 §4.3).</summary>
    SingleConnect = 0x04,
}

/// <summary>The action of an authentication START (RFC 8907 §5.1).</summary>
public enum TacacsAuthenAction : byte
{
    /// <summary>TAC_PLUS_AUTHEN_LOGIN.</summary>
    Login = 0x01,
    /// <summary>TAC_PLUS_AUTHEN_CHPASS.</summary>
    ChangePassword = 0x02,
    /// <summary>TAC_PLUS_AUTHEN_SENDAUTH.</summary>
    SendAuth = 0x04,
}

/// <summary>authen_type (RFC 8907 §5.1), also carried by authorization and accounting requests (§6.1, §7.1).</summary>
public enum TacacsAuthenType : byte
{
    /// <summary>Not set (authorization/accounting of a session that was not authenticated by TACACS+).</summary>
    NotSet = 0x00,
    /// <summary>TAC_PLUS_AUTHEN_TYPE_ASCII.</summary>
    Ascii = 0x01,
    /// <summary>TAC_PLUS_AUTHEN_TYPE_PAP.</summary>
    Pap = 0x02,
    /// <summary>TAC_PLUS_AUTHEN_TYPE_CHAP.</summary>
    Chap = 0x03,
    /// <summary>TAC_PLUS_AUTHEN_TYPE_MSCHAP (MS-CHAP v1).</summary>
    MsChap = 0x05,
    /// <summary>TAC_PLUS_AUTHEN_TYPE_MSCHAPV2.</summary>
    MsChapV2 = 0x06,
}

/// <summary>authen_service (RFC 8907 §5.1).</summary>
public enum TacacsAuthenService : byte
{
    /// <summary>TAC_PLUS_AUTHEN_SVC_NONE.</summary>
    None = 0x00,
    /// <summary>TAC_PLUS_AUTHEN_SVC_LOGIN.</summary>
    Login = 0x01,
    /// <summary>TAC_PLUS_AUTHEN_SVC_ENABLE.</summary>
    Enable = 0x02,
    /// <summary>TAC_PLUS_AUTHEN_SVC_PPP: what a PPP link authenticates for.</summary>
    Ppp = 0x03,
    /// <summary>TAC_PLUS_AUTHEN_SVC_PT.</summary>
    Pt = 0x05,
    /// <summary>TAC_PLUS_AUTHEN_SVC_RCMD.</summary>
    Rcmd = 0x06,
    /// <summary>TAC_PLUS_AUTHEN_SVC_X25.</summary>
    X25 = 0x07,
    /// <summary>TAC_PLUS_AUTHEN_SVC_NASI.</summary>
    Nasi = 0x08,
    /// <summary>TAC_PLUS_AUTHEN_SVC_FWPROXY.</summary>
    FwProxy = 0x09,
}

/// <summary>The status of an authentication REPLY (RFC 8907 §5.2).</summary>
public enum TacacsAuthenStatus : byte
{
    /// <summary>TAC_PLUS_AUTHEN_STATUS_PASS.</summary>
    Pass = 0x01,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_FAIL.</summary>
    Fail = 0x02,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_GETDATA.</summary>
    GetData = 0x03,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_GETUSER.</summary>
    GetUser = 0x04,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_GETPASS.</summary>
    GetPass = 0x05,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_RESTART: a client that does not implement it treats it as FAIL (§5.4.3).</summary>
    Restart = 0x06,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_ERROR: behave as if the server could not be contacted (§4.4, §5.4.3).</summary>
    Error = 0x07,
    /// <summary>TAC_PLUS_AUTHEN_STATUS_FOLLOW: deprecated; treated as FAIL (§5.4.3).</summary>
    Follow = 0x21,
}

/// <summary>Flags of an authentication REPLY (RFC 8907 §5.2).</summary>
[Flags]
public enum TacacsAuthenReplyFlags : byte
{
    None = 0,
    /// <summary>TAC_PLUS_REPLY_FLAG_NOECHO.</summary>
    NoEcho = 0x01,
}

/// <summary>Flags of an authentication CONTINUE (RFC 8907 §5.3).</summary>
[Flags]
public enum TacacsAuthenContinueFlags : byte
{
    None = 0,
    /// <summary>TAC_PLUS_CONTINUE_FLAG_ABORT: the client ends the session (§5.4.3).</summary>
    Abort = 0x01,
}

/// <summary>authen_method of authorization and accounting requests (RFC 8907 §6.1).</summary>
public enum TacacsAuthenMethod : byte
{
    /// <summary>TAC_PLUS_AUTHEN_METH_NOT_SET.</summary>
    NotSet = 0x00,
    /// <summary>TAC_PLUS_AUTHEN_METH_NONE.</summary>
    None = 0x01,
    /// <summary>TAC_PLUS_AUTHEN_METH_KRB5.</summary>
    Krb5 = 0x02,
    /// <summary>TAC_PLUS_AUTHEN_METH_LINE.</summary>
    Line = 0x03,
    /// <summary>TAC_PLUS_AUTHEN_METH_ENABLE.</summary>
    Enable = 0x04,
    /// <summary>TAC_PLUS_AUTHEN_METH_LOCAL.</summary>
    Local = 0x05,
    /// <summary>TAC_PLUS_AUTHEN_METH_TACACSPLUS: the user was authenticated by TACACS+.</summary>
    TacacsPlus = 0x06,
    /// <summary>TAC_PLUS_AUTHEN_METH_GUEST.</summary>
    Guest = 0x08,
    /// <summary>TAC_PLUS_AUTHEN_METH_RADIUS.</summary>
    Radius = 0x10,
    /// <summary>TAC_PLUS_AUTHEN_METH_KRB4.</summary>
    Krb4 = 0x11,
    /// <summary>TAC_PLUS_AUTHEN_METH_RCMD.</summary>
    Rcmd = 0x20,
}

/// <summary>The status of an authorization RESPONSE (RFC 8907 §6.2).</summary>
public enum TacacsAuthorStatus : byte
{
    /// <summary>TAC_PLUS_AUTHOR_STATUS_PASS_ADD: the request's arguments are authorized, the reply's are added.</summary>
    PassAdd = 0x01,
    /// <summary>TAC_PLUS_AUTHOR_STATUS_PASS_REPL: the reply's arguments replace the request's.</summary>
    PassReplace = 0x02,
    /// <summary>TAC_PLUS_AUTHOR_STATUS_FAIL: deny.</summary>
    Fail = 0x10,
    /// <summary>TAC_PLUS_AUTHOR_STATUS_ERROR: behave as if the server could not be contacted (§4.4).</summary>
    Error = 0x11,
    /// <summary>TAC_PLUS_AUTHOR_STATUS_FOLLOW: deprecated; treated as FAIL.</summary>
    Follow = 0x21,
}

/// <summary>Flags of an accounting REQUEST (RFC 8907 §7.1).</summary>
[Flags]
public enum TacacsAcctFlags : byte
{
    None = 0,
    /// <summary>TAC_PLUS_ACCT_FLAG_START.</summary>
    Start = 0x02,
    /// <summary>TAC_PLUS_ACCT_FLAG_STOP.</summary>
    Stop = 0x04,
    /// <summary>TAC_PLUS_ACCT_FLAG_WATCHDOG (an interim update; with START, the first one).</summary>
    Watchdog = 0x08,
}

/// <summary>The status of an accounting REPLY (RFC 8907 §7.2).</summary>
public enum TacacsAcctStatus : byte
{
    /// <summary>TAC_PLUS_ACCT_STATUS_SUCCESS: the record was stored.</summary>
    Success = 0x01,
    /// <summary>TAC_PLUS_ACCT_STATUS_ERROR: not stored; try the next server.</summary>
    Error = 0x02,
    /// <summary>TAC_PLUS_ACCT_STATUS_FOLLOW: deprecated; treated as ERROR.</summary>
    Follow = 0x21,
}

/// <summary>Why a TACACS+ packet or body was refused. Readers return it instead of throwing.</summary>
public enum TacacsError
{
    /// <summary>Parsed.</summary>
    None = 0,
    /// <summary>Fewer octets than the 12-octet header or the body's fixed fields.</summary>
    TooShort,
    /// <summary>The major version is not TAC_PLUS_MAJOR_VER 0xc (RFC 8907 §4.1).</summary>
    BadMajorVersion,
    /// <summary>The type is not authentication, authorization or accounting (RFC 8907 §4.1).</summary>
    BadType,
    /// <summary>The header's length exceeds the configured maximum (RFC 8907 §4.1 recommends 2^16).</summary>
    BodyTooLong,
    /// <summary>The fields' lengths add up to more than the body (RFC 8907 §4.5: the packet MUST be discarded).
    /// With an obfuscated body this is what a wrong key looks like.</summary>
    FieldLengthsExceedBody,
    /// <summary>The fields' lengths add up to less than the body (RFC 8907 §4.5: the sum must be identical).</summary>
    FieldLengthsShortOfBody,
    /// <summary>A status value RFC 8907 does not define for this reply.</summary>
    UnknownStatus,
}
