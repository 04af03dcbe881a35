"""The Celery application of the configured Flask app, for the worker and beat processes:

celery -A marketplace.jobs.worker worker --loglevel INFO
celery -A marketplace.jobs.worker beat --loglevel INFO
"""

from marketplace import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
