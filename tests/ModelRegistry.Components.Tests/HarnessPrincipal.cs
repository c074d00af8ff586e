using MassTransit;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform.Identity;

namespace ModelRegistry.Components.Tests;

/// <summary>
/// The principal in MassTransit's in-memory harness, which has no AMQP user_id: the <see cref="Header"/> header when a spec
/// sets it ("" for none), else who sends such a message in production: a person's command is sent by the person its body
/// names, a decision by the ticketing principal, anything else by the registry.
/// </summary>
public sealed class HarnessPrincipal : IMessagePrincipal
{
    public const string Header = "mreg-test-principal";
    public const string Registry = "registry";
    public const string Ticketing = "ticketing";

    /// <summary>
    /// registry; ticketing (any integration); erin, rachel and oncall request; oncall also cancels and rolls back; anyone
    /// else (alice, bob, dave: approvers) may do none of these.
    /// </summary>
    public static AccessPolicy Policy { get; } = Parse("""
        {
          "registry": ["registry"],
          "principals": {
            "ticketing": { "integrations": ["*"] },
            "erin": { "roles": ["requester"] },
            "rachel": { "roles": ["requester"] },
            "oncall": { "roles": ["requester", "canceller", "on-call"] }
          }
        }
        """);

    private static AccessPolicy Parse(string json)
    {
        var parsed = AccessPolicy.Parse(json, "harness");
        return parsed.Policy ?? throw new InvalidOperationException("the harness access policy is invalid: " + string.Join("; ", parsed.Errors));
    }

    public string? SenderOf(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Headers.TryGetHeader(Header, out var header)) return header is string { Length: > 0 } named ? named : null;
        if (context.TryGetMessage<RequestPromotion>(out var request)) return request.Message.RequestedBy;
        if (context.TryGetMessage<CancelPromotion>(out var cancel)) return cancel.Message.CancelledBy;
        if (context.TryGetMessage<ResendApprovalRequest>(out var resend)) return resend.Message.RequestedBy;
        if (context.TryGetMessage<RequestRollback>(out var rollback)) return rollback.Message.RequestedBy;
        return context.TryGetMessage<ApprovalDecided>(out _) ? Ticketing : Registry;
    }
}
