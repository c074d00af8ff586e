namespace ModelRegistry.Domain.Promotion;

public enum ApprovalOutcome
{
    Waiting,
    Approved,
    Rejected,
}
