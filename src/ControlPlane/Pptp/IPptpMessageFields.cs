namespace PptpGw.ControlPlane.Pptp;

/// <summary>
/// A control message's fields after the header, read and written in RFC order (<see cref="PptpFieldReader"/>,
/// <see cref="PptpFieldWriter"/>); the header, the type and Length checks and the reserved-field policy are
/// <see cref="PptpCodec"/>'s, once for all 15 messages.
/// </summary>
internal interface IPptpMessageFields<TSelf> where TSelf : IPptpMessageFields<TSelf>, allows ref struct
{
    /// <summary>Reads every field; the last one sets <c>ReservedFieldsNonZero</c> from <see cref="PptpFieldReader.End"/>.</summary>
    static abstract TSelf Read(scoped ref PptpFieldReader fields);

    /// <summary>Writes every field in the same order.</summary>
    void Write(scoped ref PptpFieldWriter fields);
}
