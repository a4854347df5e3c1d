"""Deployment: the CloudFormation merge template, the per-stage settings and the deploy and secrets commands."""
