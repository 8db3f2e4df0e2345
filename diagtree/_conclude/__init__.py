"""Stage 5, conclude: apply the policy (grade, deadline, authority), render the script."""
