from benefit import create_app

app = create_app()
